import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { routesByKey } from "../../../src/engine/api-table.ts";
import { handleDescribeUserScramCredentials } from "../../../src/engine/handlers/describe-user-scram-credentials.ts";
import type { HandlerContext } from "../../../src/engine/handler-context.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { DescribeUserScramCredentials } from "../../../src/protocol/messages/describe-user-scram-credentials.ts";
import { AclStore } from "../../../src/security/acl-store.ts";
import { Authorizer } from "../../../src/security/authorizer.ts";
import { makeScramCredential } from "../../../src/security/scram.ts";
import { UserStore } from "../../../src/security/user-store.ts";
import { engineFixture } from "../fixtures.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A context whose store holds alice (SCRAM-SHA-256 at 8192 iterations, SCRAM-SHA-512) and bob (SCRAM-SHA-512). */
async function setup(options: { principal?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "chronik-describe-scram-"));
  dirs.push(dir);
  const users = UserStore.open(dir);
  await users.set("alice", "SCRAM-SHA-256", makeScramCredential("SCRAM-SHA-256", "a", 8192));
  await users.set("alice", "SCRAM-SHA-512", makeScramCredential("SCRAM-SHA-512", "a"));
  await users.set("bob", "SCRAM-SHA-512", makeScramCredential("SCRAM-SHA-512", "b"));
  const fixture = await engineFixture();
  let overrides: Partial<HandlerContext> = { users };
  if (options.principal !== undefined) {
    const authorizer = new Authorizer(AclStore.open(dir), { superUsers: ["User:admin"], allowEveryoneIfNoAcl: false });
    overrides = { ...overrides, authorizer, requester: { principal: options.principal, host: "127.0.0.1" } };
  }
  return fixture.ctx(0, overrides);
}

const alice = { user: "alice", errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 8192 }, { mechanism: 2, iterations: 4096 }] };
const bob = { user: "bob", errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 4096 }] };

describe("handleDescribeUserScramCredentials", () => {
  test("is advertised at version 0", () => {
    const route = routesByKey.get(DescribeUserScramCredentials.apiKey);
    expect([route?.minVersion, route?.maxVersion]).toEqual([0, 0]);
  });

  test("a null or empty user list describes every user: mechanism codes (SCRAM-SHA-256 = 1, SCRAM-SHA-512 = 2) and iterations", async () => {
    const ctx = await setup();
    for (const users of [null, []]) {
      expect(await handleDescribeUserScramCredentials({ users }, ctx)).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: [alice, bob] });
    }
  });

  test("with no users at all, describing every user answers no results", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chronik-describe-scram-"));
    dirs.push(dir);
    const fixture = await engineFixture();
    const response = await handleDescribeUserScramCredentials({ users: null }, fixture.ctx(0, { users: UserStore.open(dir) }));
    expect(response?.results).toEqual([]);
  });

  test("named users are described; an unknown one is RESOURCE_NOT_FOUND", async () => {
    const ctx = await setup();
    const response = await handleDescribeUserScramCredentials({ users: [{ name: "bob" }, { name: "mallory" }] }, ctx);
    expect(response?.errorCode).toBe(ErrorCode.NONE);
    expect(response?.results).toEqual([
      bob,
      { user: "mallory", errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to describe a user credential that does not exist: mallory", credentialInfos: [] },
    ]);
  });

  test("a user named twice gets one DUPLICATE_RESOURCE result and no credentials", async () => {
    const ctx = await setup();
    const response = await handleDescribeUserScramCredentials({ users: [{ name: "alice" }, { name: "bob" }, { name: "alice" }] }, ctx);
    expect(response?.results).toEqual([
      { user: "alice", errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: "Cannot describe SCRAM credentials for the same user twice in a single request: alice", credentialInfos: [] },
      bob,
    ]);
  });

  test("without DESCRIBE on the cluster the answer is CLUSTER_AUTHORIZATION_FAILED, top level, and shows no user", async () => {
    const ctx = await setup({ principal: "User:bob" });
    const message = "Describing SCRAM credentials needs DESCRIBE on the cluster";
    expect(await handleDescribeUserScramCredentials({ users: null }, ctx)).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: message, results: [] });
    const named = await handleDescribeUserScramCredentials({ users: [{ name: "alice" }] }, ctx);
    expect(named?.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect(named?.results).toEqual([{ user: "alice", errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: message, credentialInfos: [] }]);
  });

  test("a super user may describe", async () => {
    const ctx = await setup({ principal: "User:admin" });
    expect((await handleDescribeUserScramCredentials({ users: null }, ctx))?.results).toEqual([alice, bob]);
  });

  test("a broker without a user store answers SECURITY_DISABLED", async () => {
    const fixture = await engineFixture();
    const response = await handleDescribeUserScramCredentials({ users: null }, fixture.ctx(0));
    expect([response?.errorCode, response?.errorMessage]).toEqual([ErrorCode.SECURITY_DISABLED, "This broker keeps no SCRAM users"]);
  });
});
