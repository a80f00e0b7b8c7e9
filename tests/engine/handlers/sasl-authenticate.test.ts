import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { failedAuthenticationDelayMs, handleSaslAuthenticate } from "../../../src/engine/handlers/sasl-authenticate.ts";
import { SaslSession, type SaslMechanism } from "../../../src/engine/sasl-session.ts";
import type { HandlerContext } from "../../../src/engine/handler-context.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { SaslAuthenticateResponse } from "../../../src/protocol/messages/sasl-authenticate.ts";
import { makeScramCredential, ScramClientExchange } from "../../../src/security/scram.ts";
import { UserStore } from "../../../src/security/user-store.ts";
import { eventually } from "../../support/wait.ts";
import { engineFixture } from "../fixtures.ts";
import { ManualScheduler } from "../groups/manual-scheduler.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Setup {
  scheduler: ManualScheduler;
  ctx(session: SaslSession | undefined, version?: number): HandlerContext;
}

/** Users alice (password "alice-secret", SCRAM-SHA-512) and bob ("bob-secret", SCRAM-SHA-256); a manual clock. */
async function setup(config: { saslSessionLifetimeMs?: number } = {}): Promise<Setup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-sasl-authenticate-"));
  dirs.push(dir);
  const users = UserStore.open(dir);
  await users.set("alice", "SCRAM-SHA-512", makeScramCredential("SCRAM-SHA-512", "alice-secret"));
  await users.set("bob", "SCRAM-SHA-256", makeScramCredential("SCRAM-SHA-256", "bob-secret"));
  const engine = await engineFixture({ config });
  const scheduler = new ManualScheduler();
  return {
    scheduler,
    ctx: (sasl, version = 2) =>
      engine.ctx(version, { sasl, users, clientHost: "10.0.0.1", now: () => scheduler.now(), schedule: (delayMs, run) => scheduler.schedule(delayMs, run) }),
  };
}

function chose(mechanism: SaslMechanism): SaslSession {
  const session = new SaslSession();
  session.mechanism = mechanism;
  return session;
}

const plainMessage = (user: string, password: string, authorizationId = "") => encoder.encode(`${authorizationId}\u0000${user}\u0000${password}`);

/** A refused step: answered only once the failed-authentication delay has passed on the manual clock. */
async function refused(setup: Setup, answer: Promise<SaslAuthenticateResponse | null>): Promise<SaslAuthenticateResponse> {
  let settled = false;
  void answer.then(() => (settled = true));
  await eventually(() => setup.scheduler.pending > 0, "the failure's delay is scheduled", { pollMs: 1 });
  await setup.scheduler.advance(failedAuthenticationDelayMs - 1);
  expect(settled).toBe(false);
  await setup.scheduler.advance(1);
  return (await answer)!;
}

describe("SaslAuthenticate", () => {
  test("PLAIN: the password is checked against the user's SCRAM credential; the principal is set", async () => {
    const s = await setup();
    for (const [user, password] of [
      ["alice", "alice-secret"],
      ["bob", "bob-secret"],
    ]) {
      const session = chose("PLAIN");
      const response = await handleSaslAuthenticate({ authBytes: plainMessage(user, password) }, s.ctx(session));
      expect(response).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null, authBytes: new Uint8Array(), sessionLifetimeMs: 0 });
      expect(session.principal).toBe(`User:${user}`);
      expect(session.expiresAtMs).toBeNull();
    }
    // An authorization id equal to the user is accepted.
    const session = chose("PLAIN");
    expect((await handleSaslAuthenticate({ authBytes: plainMessage("alice", "alice-secret", "alice") }, s.ctx(session)))!.errorCode).toBe(ErrorCode.NONE);
  });

  test("with a session lifetime: the answer says how long the session lasts, and the session knows when it ends", async () => {
    const s = await setup({ saslSessionLifetimeMs: 60_000 });
    const session = chose("PLAIN");
    const response = await handleSaslAuthenticate({ authBytes: plainMessage("alice", "alice-secret") }, s.ctx(session));
    expect(response!.sessionLifetimeMs).toBe(60_000);
    expect(session.expiresAtMs).toBe(s.scheduler.now() + 60_000);
  });

  test("PLAIN refusals: wrong password, unknown user, another authorization id, a malformed message; each after the delay", async () => {
    const s = await setup();
    for (const authBytes of [plainMessage("alice", "wrong"), plainMessage("mallory", "x"), plainMessage("alice", "alice-secret", "bob"), encoder.encode("no separators"), new Uint8Array([0xff, 0, 0x61, 0, 0x62])]) {
      const session = chose("PLAIN");
      const response = await refused(s, handleSaslAuthenticate({ authBytes }, s.ctx(session)));
      expect(response).toEqual({
        errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
        errorMessage: "Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN",
        authBytes: new Uint8Array(),
        sessionLifetimeMs: 0,
      });
      expect(session.failed).toBe(true);
      expect(session.principal).toBeNull();
    }
  });

  test("SCRAM: a two-step exchange proves the client to the server and the server to the client", async () => {
    const s = await setup();
    const session = chose("SCRAM-SHA-512");
    const client = new ScramClientExchange("SCRAM-SHA-512", "alice", "alice-secret");
    const first = await handleSaslAuthenticate({ authBytes: encoder.encode(client.first()) }, s.ctx(session));
    expect(first).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 0 });
    expect(session.principal).toBeNull();
    const final = await handleSaslAuthenticate({ authBytes: encoder.encode(client.final(decoder.decode(first!.authBytes))) }, s.ctx(session));
    expect(final!.errorCode).toBe(ErrorCode.NONE);
    client.verify(decoder.decode(final!.authBytes));
    expect(session.principal).toBe("User:alice");
    expect(session.exchange).toBeNull();
  });

  test("SCRAM with a wrong password is refused after the delay", async () => {
    const s = await setup();
    const session = chose("SCRAM-SHA-256");
    const client = new ScramClientExchange("SCRAM-SHA-256", "bob", "not-bob-secret");
    const first = await handleSaslAuthenticate({ authBytes: encoder.encode(client.first()) }, s.ctx(session));
    const final = await refused(s, handleSaslAuthenticate({ authBytes: encoder.encode(client.final(decoder.decode(first!.authBytes))) }, s.ctx(session)));
    expect(final.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(final.errorMessage).toContain("SCRAM-SHA-256");
    expect(session.failed).toBe(true);
  });

  test("out of order: no SASL listener, no handshake, already authenticated, failed before, or bare tokens chosen: ILLEGAL_SASL_STATE", async () => {
    const s = await setup();
    const authenticatedSession = chose("PLAIN");
    authenticatedSession.principal = "User:alice";
    const failedSession = chose("PLAIN");
    failedSession.failed = true;
    const bare = chose("PLAIN");
    bare.bareTokens = true;
    for (const session of [undefined, new SaslSession(), authenticatedSession, failedSession, bare]) {
      const response = await handleSaslAuthenticate({ authBytes: plainMessage("alice", "alice-secret") }, s.ctx(session));
      expect(response!.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
      expect(response!.errorMessage).toContain("SaslHandshake v1 first");
    }
    expect(authenticatedSession.principal).toBe("User:alice");
  });

  test("re-authentication renews the session of the same principal, and is refused for another", async () => {
    const s = await setup({ saslSessionLifetimeMs: 60_000 });
    const session = chose("PLAIN");
    await handleSaslAuthenticate({ authBytes: plainMessage("alice", "alice-secret") }, s.ctx(session));
    await s.scheduler.advance(50_000);
    session.reauthenticating = true;
    const renewed = await handleSaslAuthenticate({ authBytes: plainMessage("alice", "alice-secret") }, s.ctx(session));
    expect(renewed!.sessionLifetimeMs).toBe(60_000);
    expect(session.expiresAtMs).toBe(s.scheduler.now() + 60_000);
    expect(session.reauthenticating).toBe(false);
    session.reauthenticating = true;
    const other = await refused(s, handleSaslAuthenticate({ authBytes: plainMessage("bob", "bob-secret") }, s.ctx(session)));
    expect(other.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(session.principal).toBe("User:alice");
  });
});
