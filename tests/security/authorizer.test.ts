import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AclBinding, Operation, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { AclStore } from "../../src/security/acl-store.ts";
import { Authorizer, type AuthorizerOptions, type Requester } from "../../src/security/authorizer.ts";
import { acl } from "./acl-fixture.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const alice: Requester = { principal: "User:alice", host: "127.0.0.1" };
const bob: Requester = { principal: "User:bob", host: "127.0.0.1" };


async function authorizer(acls: AclBinding[], options: Partial<AuthorizerOptions> = {}): Promise<Authorizer> {
  const dir = mkdtempSync(join(tmpdir(), "chronik-authorizer-"));
  dirs.push(dir);
  const store = AclStore.open(dir);
  await store.add(acls);
  return new Authorizer(store, { superUsers: [], allowEveryoneIfNoAcl: false, ...options });
}

const onTopic = (auth: Authorizer, requester: Requester, operation: number, topic = "orders") => auth.authorize(requester, operation, ResourceType.TOPIC, topic);

describe("Authorizer.authorize", () => {
  test("a super user may do anything, with no ACL and against a DENY", async () => {
    const auth = await authorizer([acl({ operation: Operation.ALL, permission: Permission.DENY, principal: "User:*" })], { superUsers: ["User:admin"] });
    const admin = { principal: "User:admin", host: "10.0.0.9" };
    expect(auth.isSuperUser("User:admin")).toBe(true);
    expect(auth.isSuperUser("User:alice")).toBe(false);
    expect(onTopic(auth, admin, Operation.WRITE)).toBe(true);
    expect(auth.authorize(admin, Operation.ALTER, ResourceType.CLUSTER, "kafka-cluster")).toBe(true);
  });

  test("a resource no ACL applies to is refused, unless everyone is allowed then", async () => {
    expect(onTopic(await authorizer([]), alice, Operation.READ)).toBe(false);
    const open = await authorizer([], { allowEveryoneIfNoAcl: true });
    expect(onTopic(open, alice, Operation.WRITE)).toBe(true);
  });

  test("with allowEveryoneIfNoAcl, an ACL on the resource for someone else still refuses", async () => {
    const auth = await authorizer([acl({ principal: "User:bob" })], { allowEveryoneIfNoAcl: true });
    expect(onTopic(auth, alice, Operation.READ)).toBe(false);
    expect(onTopic(auth, alice, Operation.READ, "payments")).toBe(true);
  });

  test("ALLOW READ implies DESCRIBE, not WRITE nor DESCRIBE_CONFIGS", async () => {
    const auth = await authorizer([acl()]);
    expect(onTopic(auth, alice, Operation.READ)).toBe(true);
    expect(onTopic(auth, alice, Operation.DESCRIBE)).toBe(true);
    expect(onTopic(auth, alice, Operation.WRITE)).toBe(false);
    expect(onTopic(auth, alice, Operation.DESCRIBE_CONFIGS)).toBe(false);
    expect(onTopic(auth, bob, Operation.READ)).toBe(false);
  });

  test("WRITE, DELETE and ALTER imply DESCRIBE; DESCRIBE implies nothing", async () => {
    for (const operation of [Operation.WRITE, Operation.DELETE, Operation.ALTER]) {
      expect(onTopic(await authorizer([acl({ operation })]), alice, Operation.DESCRIBE)).toBe(true);
    }
    const describeOnly = await authorizer([acl({ operation: Operation.DESCRIBE })]);
    expect(onTopic(describeOnly, alice, Operation.READ)).toBe(false);
    expect(onTopic(await authorizer([acl({ operation: Operation.CREATE })]), alice, Operation.DESCRIBE)).toBe(false);
  });

  test("ALTER_CONFIGS implies DESCRIBE_CONFIGS, not DESCRIBE", async () => {
    const auth = await authorizer([acl({ operation: Operation.ALTER_CONFIGS })]);
    expect(onTopic(auth, alice, Operation.DESCRIBE_CONFIGS)).toBe(true);
    expect(onTopic(auth, alice, Operation.ALTER_CONFIGS)).toBe(true);
    expect(onTopic(auth, alice, Operation.DESCRIBE)).toBe(false);
  });

  test("ALL covers every operation", async () => {
    const auth = await authorizer([acl({ operation: Operation.ALL })]);
    for (const operation of [Operation.READ, Operation.WRITE, Operation.CREATE, Operation.DELETE, Operation.ALTER, Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS]) {
      expect(onTopic(auth, alice, operation)).toBe(true);
    }
  });

  test("a matching DENY wins over any ALLOW, a DENY ALL denies everything", async () => {
    const denyRead = await authorizer([acl({ operation: Operation.ALL }), acl({ principal: "User:*" }), acl({ permission: Permission.DENY })]);
    expect(onTopic(denyRead, alice, Operation.READ)).toBe(false);
    expect(onTopic(denyRead, alice, Operation.WRITE)).toBe(true);
    const denyAll = await authorizer([acl({ operation: Operation.ALL }), acl({ operation: Operation.ALL, permission: Permission.DENY, principal: "User:*" })]);
    expect(onTopic(denyAll, alice, Operation.READ)).toBe(false);
    expect(onTopic(denyAll, alice, Operation.DESCRIBE)).toBe(false);
  });

  test("a DENY only matches its own operation: DENY READ does not deny the DESCRIBE that ALLOW WRITE implies", async () => {
    // Kafka's StandardAuthorizerData: implication applies to ALLOW ACLs only.
    const auth = await authorizer([acl({ operation: Operation.WRITE }), acl({ permission: Permission.DENY })]);
    expect(onTopic(auth, alice, Operation.DESCRIBE)).toBe(true);
    expect(onTopic(auth, alice, Operation.READ)).toBe(false);
    const denyAlterConfigs = await authorizer([acl({ operation: Operation.ALL }), acl({ operation: Operation.ALTER_CONFIGS, permission: Permission.DENY })]);
    expect(onTopic(denyAlterConfigs, alice, Operation.DESCRIBE_CONFIGS)).toBe(true);
    expect(onTopic(denyAlterConfigs, alice, Operation.ALTER_CONFIGS)).toBe(false);
  });

  test("User:* matches every user; a DENY for another user does not touch this one", async () => {
    const auth = await authorizer([acl({ principal: "User:*" }), acl({ principal: "User:bob", permission: Permission.DENY })]);
    expect(onTopic(auth, alice, Operation.READ)).toBe(true);
    expect(onTopic(auth, { principal: "User:carol", host: "10.1.1.1" }, Operation.READ)).toBe(true);
    expect(onTopic(auth, bob, Operation.READ)).toBe(false);
  });

  test("an ACL's host is matched exactly, * matching every host", async () => {
    const auth = await authorizer([acl({ host: "10.0.0.1" }), acl({ operation: Operation.WRITE, host: "*" })]);
    expect(onTopic(auth, { ...alice, host: "10.0.0.1" }, Operation.READ)).toBe(true);
    expect(onTopic(auth, { ...alice, host: "10.0.0.2" }, Operation.READ)).toBe(false);
    expect(onTopic(auth, { ...alice, host: "10.0.0.2" }, Operation.WRITE)).toBe(true);
    const deniedHost = await authorizer([acl(), acl({ host: "10.0.0.66", permission: Permission.DENY })]);
    expect(onTopic(deniedHost, { ...alice, host: "10.0.0.66" }, Operation.READ)).toBe(false);
    expect(onTopic(deniedHost, alice, Operation.READ)).toBe(true);
  });

  test("a prefixed grant covers the names starting with the prefix, and a literal * every name", async () => {
    const auth = await authorizer([acl({ resourceName: "orders-", patternType: PatternType.PREFIXED }), acl({ resourceName: "*", operation: Operation.WRITE })]);
    expect(onTopic(auth, alice, Operation.READ, "orders-eu")).toBe(true);
    expect(onTopic(auth, alice, Operation.READ, "orders-")).toBe(true);
    expect(onTopic(auth, alice, Operation.READ, "orders")).toBe(false);
    expect(onTopic(auth, alice, Operation.WRITE, "anything")).toBe(true);
  });

  test("ACLs of one resource type do not apply to another of the same name", async () => {
    const auth = await authorizer([acl({ resourceType: ResourceType.GROUP })]);
    expect(auth.authorize(alice, Operation.READ, ResourceType.GROUP, "orders")).toBe(true);
    expect(onTopic(auth, alice, Operation.READ)).toBe(false);
  });
});

describe("Authorizer.authorizeAny", () => {
  test("WRITE on some topic (literal or prefixed, or ALL) lets the principal in", async () => {
    expect((await authorizer([acl({ operation: Operation.WRITE })])).authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    expect((await authorizer([acl({ operation: Operation.ALL, resourceName: "o", patternType: PatternType.PREFIXED })])).authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    expect((await authorizer([acl({ operation: Operation.WRITE, principal: "User:*" })])).authorizeAny(bob, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
  });

  test("READ only, another principal's WRITE, or WRITE on a group does not", async () => {
    const auth = await authorizer([acl(), acl({ principal: "User:bob", operation: Operation.WRITE }), acl({ resourceType: ResourceType.TRANSACTIONAL_ID, operation: Operation.WRITE })]);
    expect(auth.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
  });

  test("a grant its own resource's DENY cancels does not count", async () => {
    const denied = await authorizer([acl({ operation: Operation.WRITE }), acl({ operation: Operation.WRITE, permission: Permission.DENY })]);
    expect(denied.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
    const deniedEverywhere = await authorizer([acl({ operation: Operation.WRITE, resourceName: "orders-", patternType: PatternType.PREFIXED }), acl({ resourceName: "*", operation: Operation.WRITE, permission: Permission.DENY })]);
    expect(deniedEverywhere.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
    const oneDenied = await authorizer([acl({ operation: Operation.WRITE }), acl({ resourceName: "payments", operation: Operation.WRITE }), acl({ operation: Operation.WRITE, permission: Permission.DENY })]);
    expect(oneDenied.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
  });

  test("a prefixed grant is cancelled only by a prefixed DENY covering its prefix, or a DENY on the literal *", async () => {
    // Kafka's authorizeByResourceType: a literal DENY on the prefix's own string leaves the names under the prefix writable.
    const grant = acl({ resourceName: "ord", patternType: PatternType.PREFIXED, operation: Operation.WRITE });
    const literalDeny = await authorizer([grant, acl({ resourceName: "ord", operation: Operation.WRITE, permission: Permission.DENY })]);
    expect(literalDeny.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    const longerPrefixDeny = await authorizer([grant, acl({ resourceName: "orders", patternType: PatternType.PREFIXED, operation: Operation.WRITE, permission: Permission.DENY })]);
    expect(longerPrefixDeny.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    const shorterPrefixDeny = await authorizer([grant, acl({ resourceName: "o", patternType: PatternType.PREFIXED, operation: Operation.WRITE, permission: Permission.DENY })]);
    expect(shorterPrefixDeny.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
    // A DENY of another operation cancels nothing.
    const readDeny = await authorizer([grant, acl({ resourceName: "o", patternType: PatternType.PREFIXED, permission: Permission.DENY })]);
    expect(readDeny.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
  });

  test("with allowEveryoneIfNoAcl only the ACLs on the literal * decide, as in Kafka's StandardAuthorizer", async () => {
    const othersOnly = await authorizer([acl({ principal: "User:bob" })], { allowEveryoneIfNoAcl: true });
    expect(othersOnly.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    const deniedEverywhere = await authorizer([acl({ principal: "User:bob" }), acl({ resourceName: "*", principal: "User:*", operation: Operation.WRITE, permission: Permission.DENY })], { allowEveryoneIfNoAcl: true });
    expect(deniedEverywhere.authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
  });

  test("no ACL of the type: refused unless everyone is allowed; a super user always", async () => {
    expect((await authorizer([])).authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
    expect((await authorizer([], { allowEveryoneIfNoAcl: true })).authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    expect((await authorizer([], { superUsers: ["User:alice"] })).authorizeAny(alice, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
  });
});
