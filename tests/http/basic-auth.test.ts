import { describe, expect, test } from "bun:test";
import { BasicAuthenticator, parseBasicAuthorization, verifiedTtlMs } from "../../src/http/basic-auth.ts";
import { WarningLimiter } from "../../src/logger.ts";
import { passwordMatchesAsync, type ScramCredential, type ScramMechanism } from "../../src/security/scram.ts";
import { recordingLogger } from "../engine/fixtures.ts";
import { basic, memoryUsers, passwords } from "./security-fixture.ts";

/** An authenticator on a clock the test moves, counting key derivations and failure delays. */
function setup(options: { entriesMax?: number } = {}) {
  const users = memoryUsers();
  const clock = { now: 1_000_000 };
  const logger = recordingLogger();
  const derivations: string[] = [];
  const delays: number[] = [];
  const authenticator = new BasicAuthenticator({
    users,
    clock: () => clock.now,
    failures: new WarningLimiter(logger, { clock: () => clock.now, windowMs: 60_000, keysMax: 100 }),
    delay: async (ms) => void delays.push(ms),
    verify: (mechanism: ScramMechanism, credential: ScramCredential, password: string) => {
      derivations.push(mechanism);
      return passwordMatchesAsync(mechanism, credential, password);
    },
    ...(options.entriesMax === undefined ? {} : { verifiedEntriesMax: options.entriesMax }),
  });
  return { authenticator, users, clock, logger, derivations, delays };
}

describe("parseBasicAuthorization", () => {
  test("reads user and password (which may hold colons); other schemes and no header are missing; bad encodings are malformed", () => {
    expect(parseBasicAuthorization(basic("alice", "a:b:c"))).toEqual({ user: "alice", password: "a:b:c" });
    expect(parseBasicAuthorization(`basic   ${Buffer.from("ñandú:pw").toString("base64")}  `)).toEqual({ user: "ñandú", password: "pw" });
    expect(parseBasicAuthorization(null)).toBe("missing");
    expect(parseBasicAuthorization("Bearer abc")).toBe("missing");
    expect(parseBasicAuthorization("Basic")).toBeNull();
    expect(parseBasicAuthorization("Basic !!!")).toBeNull();
    expect(parseBasicAuthorization(`Basic ${Buffer.from("no colon").toString("base64")}`)).toBeNull();
    expect(parseBasicAuthorization(`Basic ${Buffer.from([0x61, 0x3a, 0xff]).toString("base64")}`)).toBeNull();
    expect(parseBasicAuthorization(`Basic ${"A".repeat(5000)}`)).toBeNull();
  });
});

describe("BasicAuthenticator", () => {
  test("checks the SCRAM-SHA-512 credential, else the SCRAM-SHA-256 one; a success is remembered, so the next costs no derivation", async () => {
    const { authenticator, derivations, delays } = setup();
    expect(await authenticator.authenticate(basic("alice", passwords.alice), "10.0.0.1")).toEqual({ kind: "authenticated", user: "alice" });
    expect(await authenticator.authenticate(basic("alice", passwords.alice), "10.0.0.1")).toEqual({ kind: "authenticated", user: "alice" });
    expect(await authenticator.authenticate(basic("bob", passwords.bob), "10.0.0.1")).toEqual({ kind: "authenticated", user: "bob" });
    expect(derivations).toEqual(["SCRAM-SHA-512", "SCRAM-SHA-256"]);
    expect(delays).toEqual([]);
    expect(await authenticator.authenticate(null, "10.0.0.1")).toEqual({ kind: "missing" });
  });

  test("a wrong password or an unknown user is refused after SASL's delay, with the same derivation; failures are not remembered", async () => {
    const { authenticator, derivations, delays } = setup();
    expect(await authenticator.authenticate(basic("alice", "guess"), "10.0.0.1")).toEqual({ kind: "refused", user: "alice" });
    expect(await authenticator.authenticate(basic("alice", "guess"), "10.0.0.1")).toEqual({ kind: "refused", user: "alice" });
    expect(await authenticator.authenticate(basic("mallory", "guess"), "10.0.0.1")).toEqual({ kind: "refused", user: "mallory" });
    expect(await authenticator.authenticate("Basic !!", "10.0.0.1")).toEqual({ kind: "refused", user: "" });
    expect(derivations).toEqual(["SCRAM-SHA-512", "SCRAM-SHA-512", "SCRAM-SHA-512"]);
    expect(delays).toEqual([100, 100, 100, 100]);
    expect(authenticator.rememberedCount).toBe(0);
  });

  test("failures are logged once a window per client address, never with the password", async () => {
    const { authenticator, clock, logger } = setup();
    for (let i = 0; i < 5; i++) await authenticator.authenticate(basic("alice", "guess-1"), "10.0.0.1");
    await authenticator.authenticate(basic("alice", "guess-2"), "10.0.0.2");
    expect(logger.lines).toEqual(["warn HTTP authentication failed", "warn HTTP authentication failed"]);
    clock.now += 60_000;
    await authenticator.authenticate(basic("alice", "guess-3"), "10.0.0.1");
    expect(logger.lines).toEqual(["warn HTTP authentication failed", "warn HTTP authentication failed", "warn Suppressed 4 similar warnings: HTTP authentication failed", "warn HTTP authentication failed"]);
    expect(logger.lines.join("\n")).not.toContain("guess");
  });

  test("a remembered success expires after its TTL: the password is derived again", async () => {
    const { authenticator, clock, derivations } = setup();
    await authenticator.authenticate(basic("alice", passwords.alice), "10.0.0.1");
    clock.now += verifiedTtlMs - 1;
    await authenticator.authenticate(basic("alice", passwords.alice), "10.0.0.1");
    expect(derivations.length).toBe(1);
    clock.now += 1;
    expect(await authenticator.authenticate(basic("alice", passwords.alice), "10.0.0.1")).toEqual({ kind: "authenticated", user: "alice" });
    expect(derivations.length).toBe(2);
  });

  test("a new password or a deleted user ends a remembered success at once", async () => {
    const { authenticator, users } = setup();
    await authenticator.authenticate(basic("alice", passwords.alice), "10.0.0.1");
    users.set("alice", "SCRAM-SHA-512", "new-secret");
    expect(await authenticator.authenticate(basic("alice", passwords.alice), "10.0.0.1")).toEqual({ kind: "refused", user: "alice" });
    expect(await authenticator.authenticate(basic("alice", "new-secret"), "10.0.0.1")).toEqual({ kind: "authenticated", user: "alice" });
    users.remove("alice");
    expect(await authenticator.authenticate(basic("alice", "new-secret"), "10.0.0.1")).toEqual({ kind: "refused", user: "alice" });
  });

  test("remembers at most its bound of successes, forgetting the oldest first", async () => {
    const { authenticator, derivations } = setup({ entriesMax: 2 });
    await authenticator.authenticate(basic("alice", passwords.alice), "h");
    await authenticator.authenticate(basic("bob", passwords.bob), "h");
    await authenticator.authenticate(basic("admin", passwords.admin), "h");
    expect(authenticator.rememberedCount).toBe(2);
    await authenticator.authenticate(basic("admin", passwords.admin), "h");
    await authenticator.authenticate(basic("bob", passwords.bob), "h");
    expect(derivations.length).toBe(3);
    await authenticator.authenticate(basic("alice", passwords.alice), "h");
    expect(derivations.length).toBe(4);
  });
});
