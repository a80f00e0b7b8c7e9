import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { handleAlterUserScramCredentials } from "../../../src/engine/handlers/alter-user-scram-credentials.ts";
import { handleDescribeUserScramCredentials } from "../../../src/engine/handlers/describe-user-scram-credentials.ts";
import type { HandlerContext } from "../../../src/engine/handler-context.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { AlterUserScramCredentialsRequest } from "../../../src/protocol/messages/alter-user-scram-credentials.ts";
import { clusterResourceName, Operation, PatternType, Permission, ResourceType } from "../../../src/security/acl.ts";
import { AclStore } from "../../../src/security/acl-store.ts";
import { Authorizer } from "../../../src/security/authorizer.ts";
import {
  passwordMatches,
  type ScramMechanism,
  ScramClientExchange,
  ScramServerExchange,
  scramMechanismCodes,
  scramSaltedPassword,
} from "../../../src/security/scram.ts";
import { UserStore } from "../../../src/security/user-store.ts";
import { engineFixture, recordingLogger } from "../fixtures.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "chronik-alter-scram-"));
  dirs.push(dir);
  return dir;
}

/** A context over a fresh users file; `principal` asks through an authorizer whose only super user is User:admin. */
async function setup(options: { principal?: string; allowOps?: boolean } = {}) {
  const dir = folder();
  const users = UserStore.open(dir);
  const logger = recordingLogger();
  const fixture = await engineFixture({ logger });
  let overrides: Partial<HandlerContext> = { users };
  if (options.principal !== undefined) {
    const acls = AclStore.open(dir);
    if (options.allowOps === true) {
      const grant = { resourceType: ResourceType.CLUSTER, resourceName: clusterResourceName, patternType: PatternType.LITERAL, principal: "User:ops", host: "*", operation: Operation.ALTER, permission: Permission.ALLOW };
      await acls.add([grant]);
    }
    const authorizer = new Authorizer(acls, { superUsers: ["User:admin"], allowEveryoneIfNoAcl: false });
    overrides = { ...overrides, authorizer, requester: { principal: options.principal, host: "127.0.0.1" } };
  }
  const ctx = fixture.ctx(0, overrides);
  return { dir, users, logger, ctx, alter: async (request: Partial<AlterUserScramCredentialsRequest>) => (await handleAlterUserScramCredentials({ deletions: [], upsertions: [], ...request }, ctx))! };
}

/** What a Kafka admin client sends for `password`: a salt and the salted password, not the password. */
function upsertion(name: string, password: string, options: { mechanism?: ScramMechanism; iterations?: number; salt?: Uint8Array } = {}) {
  const mechanism = options.mechanism ?? "SCRAM-SHA-512";
  const iterations = options.iterations ?? 4096;
  const salt = options.salt ?? new Uint8Array(32).fill(7);
  return { name, mechanism: scramMechanismCodes[mechanism], iterations, salt, saltedPassword: scramSaltedPassword(mechanism, password, { salt, iterations }) };
}

/** Runs a whole SCRAM exchange against the store; true when the broker accepts the password. */
function scramLogin(users: UserStore, mechanism: ScramMechanism, user: string, password: string): boolean {
  const server = new ScramServerExchange(mechanism, (name) => users.credential(name, mechanism));
  const client = new ScramClientExchange(mechanism, user, password);
  try {
    const { serverFinal } = server.final(client.final(server.first(client.first())));
    client.verify(serverFinal);
    return true;
  } catch {
    return false;
  }
}

const ok = (user: string) => ({ user, errorCode: ErrorCode.NONE, errorMessage: null });

describe("handleAlterUserScramCredentials", () => {
  test("an upsertion makes a credential a SCRAM and a PLAIN login accept, stored in users.json", async () => {
    const { dir, users, alter } = await setup();
    const response = await alter({ upsertions: [upsertion("bob", "builder"), upsertion("carol", "singer", { mechanism: "SCRAM-SHA-256", iterations: 8192 })] });
    expect(response).toEqual({ throttleTimeMs: 0, results: [ok("bob"), ok("carol")] });
    expect(scramLogin(users, "SCRAM-SHA-512", "bob", "builder")).toBe(true);
    expect(scramLogin(users, "SCRAM-SHA-512", "bob", "wrong")).toBe(false);
    expect(scramLogin(users, "SCRAM-SHA-256", "carol", "singer")).toBe(true);
    expect(passwordMatches("SCRAM-SHA-256", users.credential("carol", "SCRAM-SHA-256")!, "singer")).toBe(true);
    const reopened = UserStore.open(dir);
    expect(reopened.list()).toEqual([
      { user: "bob", mechanisms: [{ mechanism: "SCRAM-SHA-512", iterations: 4096 }] },
      { user: "carol", mechanisms: [{ mechanism: "SCRAM-SHA-256", iterations: 8192 }] },
    ]);
    expect(scramLogin(reopened, "SCRAM-SHA-512", "bob", "builder")).toBe(true);
  });

  test("an upsertion replaces the user's credential for that mechanism only; a deletion removes it", async () => {
    const { users, alter } = await setup();
    await alter({ upsertions: [upsertion("bob", "old")] });
    await alter({ upsertions: [upsertion("bob", "other", { mechanism: "SCRAM-SHA-256" })] });
    expect((await alter({ upsertions: [upsertion("bob", "new", { salt: new Uint8Array(32).fill(9) })] })).results).toEqual([ok("bob")]);
    expect(scramLogin(users, "SCRAM-SHA-512", "bob", "old")).toBe(false);
    expect(scramLogin(users, "SCRAM-SHA-512", "bob", "new")).toBe(true);
    expect(scramLogin(users, "SCRAM-SHA-256", "bob", "other")).toBe(true);
    expect((await alter({ deletions: [{ name: "bob", mechanism: scramMechanismCodes["SCRAM-SHA-512"] }] })).results).toEqual([ok("bob")]);
    expect(scramLogin(users, "SCRAM-SHA-512", "bob", "new")).toBe(false);
    expect(users.list()).toEqual([{ user: "bob", mechanisms: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }] }]);
  });

  test("deleting a credential that does not exist is RESOURCE_NOT_FOUND", async () => {
    const { alter } = await setup();
    await alter({ upsertions: [upsertion("bob", "builder", { mechanism: "SCRAM-SHA-256" })] });
    const response = await alter({ deletions: [{ name: "bob", mechanism: 2 }, { name: "nobody", mechanism: 1 }] });
    expect(response.results).toEqual([
      { user: "bob", errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to delete a user credential that does not exist" },
      { user: "nobody", errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to delete a user credential that does not exist" },
    ]);
  });

  test("iterations outside 4096..16384 are UNACCEPTABLE_CREDENTIAL, and nothing is stored", async () => {
    const { users, alter } = await setup();
    const response = await alter({ upsertions: [upsertion("few", "x", { iterations: 4095 }), upsertion("many", "x", { iterations: 16_385 }), upsertion("edge", "x", { iterations: 16_384 })] });
    expect(response.results).toEqual([
      { user: "few", errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: "Too few iterations" },
      { user: "many", errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: "Too many iterations" },
      ok("edge"),
    ]);
    expect(users.list().map(({ user }) => user)).toEqual(["edge"]);
  });

  test("an unknown mechanism (UNKNOWN = 0, or a code Kafka does not define) is UNSUPPORTED_SASL_MECHANISM", async () => {
    const { users, alter } = await setup();
    const response = await alter({ deletions: [{ name: "a", mechanism: 0 }], upsertions: [{ ...upsertion("b", "x"), mechanism: 3 }] });
    expect(response.results).toEqual([
      { user: "a", errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: "Unknown SCRAM mechanism" },
      { user: "b", errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: "Unknown SCRAM mechanism" },
    ]);
    expect(users.list()).toEqual([]);
  });

  test("an empty or invalid user name is UNACCEPTABLE_CREDENTIAL", async () => {
    const { users, alter } = await setup();
    const response = await alter({ deletions: [{ name: "", mechanism: 2 }], upsertions: [upsertion("bad\nname", "x"), upsertion("x".repeat(257), "x")] });
    expect(response.results.map(({ user, errorCode, errorMessage }) => [user.length, errorCode, errorMessage])).toEqual([
      [0, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty"],
      [8, ErrorCode.UNACCEPTABLE_CREDENTIAL, "A user name cannot hold control characters"],
      [257, ErrorCode.UNACCEPTABLE_CREDENTIAL, "A user name has at most 256 characters"],
    ]);
    expect(users.list()).toEqual([]);
  });

  test("a salt or salted password no login could match is UNACCEPTABLE_CREDENTIAL", async () => {
    const { alter } = await setup();
    const response = await alter({ upsertions: [upsertion("nosalt", "x", { salt: new Uint8Array(0) }), { ...upsertion("short", "x"), saltedPassword: new Uint8Array(32) }] });
    expect(response.results).toEqual([
      { user: "nosalt", errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: "The salt must have 1 to 1024 bytes" },
      { user: "short", errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: "A SCRAM-SHA-512 salted password has 64 bytes, not 32" },
    ]);
  });

  test("a user in more than one alteration is DUPLICATE_RESOURCE, and none of its alterations is made; others are", async () => {
    const { users, alter } = await setup();
    await alter({ upsertions: [upsertion("del2", "x", { mechanism: "SCRAM-SHA-256" }), upsertion("both", "x")] });
    await alter({ upsertions: [upsertion("del2", "x")] });
    const response = await alter({
      deletions: [{ name: "del2", mechanism: 1 }, { name: "del2", mechanism: 2 }, { name: "both", mechanism: 2 }],
      upsertions: [upsertion("both", "new"), upsertion("up2", "a"), upsertion("up2", "b", { mechanism: "SCRAM-SHA-256" }), upsertion("fine", "y")],
    });
    const duplicate = (user: string) => ({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: "A user credential cannot be altered twice in the same request" });
    expect(response.results).toEqual([duplicate("del2"), duplicate("both"), duplicate("up2"), ok("fine")]);
    expect(users.list().map(({ user, mechanisms }) => [user, mechanisms.length])).toEqual([["both", 1], ["del2", 2], ["fine", 1]]);
    expect(scramLogin(users, "SCRAM-SHA-512", "both", "x")).toBe(true);
  });

  test("a user refused for one reason keeps it when it comes again", async () => {
    const { users, alter } = await setup();
    const response = await alter({ deletions: [{ name: "ghost", mechanism: 2 }], upsertions: [upsertion("ghost", "x"), upsertion("ghost", "y")] });
    expect(response.results).toEqual([{ user: "ghost", errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to delete a user credential that does not exist" }]);
    expect(users.list()).toEqual([]);
  });

  test("without ALTER on the cluster every user is CLUSTER_AUTHORIZATION_FAILED, once each, sorted, and nothing changes", async () => {
    const { users, alter } = await setup({ principal: "User:mallory" });
    const response = await alter({ deletions: [{ name: "zed", mechanism: 2 }], upsertions: [upsertion("mallory", "x"), upsertion("admin", "x"), upsertion("mallory", "y")] });
    const refused = (user: string) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "Altering SCRAM credentials needs ALTER on the cluster" });
    expect(response).toEqual({ throttleTimeMs: 0, results: [refused("admin"), refused("mallory"), refused("zed")] });
    expect(users.list()).toEqual([]);
  });

  test("a super user and a principal allowed ALTER on the cluster may alter", async () => {
    for (const principal of ["User:admin", "User:ops"]) {
      const { users, alter } = await setup({ principal, allowOps: true });
      expect((await alter({ upsertions: [upsertion("bob", "builder")] })).results).toEqual([ok("bob")]);
      expect(scramLogin(users, "SCRAM-SHA-512", "bob", "builder")).toBe(true);
    }
  });

  test("a change is logged", async () => {
    const { logger, alter } = await setup({ principal: "User:admin" });
    await alter({ upsertions: [upsertion("bob", "builder")] });
    expect(logger.lines).toEqual(["info SCRAM credentials altered"]);
  });

  test("a broker without a user store refuses every user with SECURITY_DISABLED", async () => {
    const fixture = await engineFixture();
    const response = await handleAlterUserScramCredentials({ deletions: [], upsertions: [upsertion("bob", "x")] }, fixture.ctx(0));
    expect(response?.results).toEqual([{ user: "bob", errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: "This broker keeps no SCRAM users" }]);
  });

  test("a failed write is UNKNOWN_SERVER_ERROR for the accepted alterations, logged; refused ones keep their error", async () => {
    const { dir, users, logger, alter } = await setup();
    rmSync(dir, { recursive: true, force: true });
    const response = await alter({ deletions: [{ name: "ghost", mechanism: 2 }], upsertions: [upsertion("bob", "x")] });
    expect(response.results).toEqual([
      { user: "ghost", errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to delete a user credential that does not exist" },
      { user: "bob", errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: "The broker could not store the change" },
    ]);
    expect(logger.lines).toEqual(["error Cannot write SCRAM credentials"]);
    expect(users.list()).toEqual([]);
  });

  test("concurrent requests do not lose each other's changes", async () => {
    const { dir, alter } = await setup();
    const names = Array.from({ length: 20 }, (_, n) => `user-${String(n).padStart(2, "0")}`);
    await Promise.all(names.map((name) => alter({ upsertions: [upsertion(name, "x")] })));
    expect(UserStore.open(dir).list().map(({ user }) => user)).toEqual(names);
  });

  test("Describe then shows the new credential", async () => {
    const { ctx, alter } = await setup();
    await alter({ upsertions: [upsertion("bob", "builder", { iterations: 5000 })] });
    const described = await handleDescribeUserScramCredentials({ users: [{ name: "bob" }] }, ctx);
    expect(described?.results).toEqual([{ user: "bob", errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 5000 }] }]);
  });
});
