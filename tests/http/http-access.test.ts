import { afterEach, describe, expect, test } from "bun:test";
import { AccessDeniedError, basicChallenge, forbidden, HttpAccess, HttpSecurity, unauthenticated } from "../../src/http/http-access.ts";
import { silentLogger } from "../../src/logger.ts";
import { allow, authorizerWith, basic, clusterAllow, memoryUsers, Operation, passwords, ResourceType } from "./security-fixture.ts";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function aliceReadsA() {
  const made = await authorizerWith([allow("User:alice", Operation.READ, ResourceType.TOPIC, "A"), clusterAllow("User:alice", Operation.CREATE)]);
  cleanup = made.cleanup;
  return made.authorizer;
}

describe("HttpAccess", () => {
  test("open access (no authorizer) allows everything and names nobody", () => {
    expect(HttpAccess.open.principal).toBeNull();
    expect(HttpAccess.open.allowsTopic(Operation.DELETE, "anything")).toBe(true);
    expect(() => HttpAccess.open.requireCluster("x", Operation.ALTER)).not.toThrow();
  });

  test("asks the authorizer for the principal and host; READ implies DESCRIBE; the super user may do anything", async () => {
    const authorizer = await aliceReadsA();
    const alice = new HttpAccess(authorizer, { principal: "User:alice", host: "127.0.0.1" });
    expect([alice.allowsTopic(Operation.READ, "A"), alice.allowsTopic(Operation.DESCRIBE, "A"), alice.allowsTopic(Operation.READ, "B"), alice.allowsCluster(Operation.CREATE), alice.allowsGroup(Operation.READ, "g")]).toEqual([true, true, false, true, false]);
    expect(new HttpAccess(authorizer, { principal: "User:admin", host: "127.0.0.1" }).allowsTopic(Operation.DELETE, "B")).toBe(true);
    expect(new HttpAccess(authorizer, null).allowsTopic(Operation.READ, "A")).toBe(false);
  });

  test("a refusal names the action, the user and what it needs", async () => {
    const alice = new HttpAccess(await aliceReadsA(), { principal: "User:alice", host: "127.0.0.1" });
    expect(() => alice.requireTopic("indices:data/read/search", Operation.READ, "B")).toThrow(new AccessDeniedError('action [indices:data/read/search] is unauthorized for user [alice]: it needs READ on topic "B"'));
    expect(() => alice.requireCluster("cluster:monitor/metrics", Operation.DESCRIBE)).toThrow('action [cluster:monitor/metrics] is unauthorized for user [alice]: it needs DESCRIBE on the cluster');
    expect(() => alice.requireGroup("DELETE /api/groups/g", Operation.DELETE, "g")).toThrow('it needs DELETE on group "g"');
  });
});

describe("refusals in Elasticsearch's shape", () => {
  test("401 carries the Basic challenge; 403 has no challenge", async () => {
    const missing = unauthenticated("missing authentication credentials for REST request [/_search]");
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Basic realm="chronik", charset="UTF-8"');
    expect(basicChallenge).toBe('Basic realm="chronik", charset="UTF-8"');
    const reason = "missing authentication credentials for REST request [/_search]";
    expect(await missing.json()).toEqual({ error: { root_cause: [{ type: "security_exception", reason }], type: "security_exception", reason }, status: 401 });
    const refused = forbidden(new AccessDeniedError("action [x] is unauthorized for user [alice]: it needs READ on topic \"B\""));
    expect(refused.status).toBe(403);
    expect(refused.headers.get("www-authenticate")).toBeNull();
    expect(((await refused.json()) as any).error.type).toBe("security_exception");
  });
});

describe("HttpSecurity", () => {
  test("admits a user with the right password; answers 401 naming the path and user otherwise", async () => {
    const security = new HttpSecurity({ authorizer: await aliceReadsA(), users: memoryUsers(), logger: silentLogger, delay: async () => {} });
    const request = (authorization?: string) => new Request("http://chronik/_search?q=x", authorization === undefined ? {} : { headers: { authorization } });
    const admitted = await security.admit(request(basic("alice", passwords.alice)), "/_search", "127.0.0.1");
    expect(admitted).toBeInstanceOf(HttpAccess);
    expect((admitted as HttpAccess).principal).toBe("User:alice");
    expect((admitted as HttpAccess).allowsTopic(Operation.READ, "A")).toBe(true);
    const missing = (await security.admit(request(), "/_search", "127.0.0.1")) as Response;
    expect(((await missing.json()) as any).error.reason).toBe("missing authentication credentials for REST request [/_search]");
    const wrong = (await security.admit(request(basic("alice", "nope")), "/_search", "127.0.0.1")) as Response;
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as any).error.reason).toBe("unable to authenticate user [alice] for REST request [/_search]");
  });
});
