import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AclBinding, type AclBindingFilter, Operation, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { AclStore, AclStoreError, aclsFileName, aclsMax } from "../../src/security/acl-store.ts";
import { acl as binding, aclFilter } from "./acl-fixture.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "chronik-acls-"));
  dirs.push(dir);
  return dir;
}


const everything = aclFilter();

const names = (bindings: AclBinding[]) => bindings.map((b) => `${b.patternType === PatternType.PREFIXED ? "prefixed:" : ""}${b.resourceName}`).sort();

describe("AclStore", () => {
  test("opens empty on a folder without an ACL file, and writes none until something is added", async () => {
    const dir = folder();
    const store = AclStore.open(dir);
    expect(store.size).toBe(0);
    expect(store.list(everything)).toEqual([]);
    expect(store.applying(ResourceType.TOPIC, "orders")).toEqual([]);
    await store.add([]);
    expect(() => statSync(join(dir, aclsFileName))).toThrow();
  });

  test("adds each binding once: an identical one already stored or repeated in the same call is skipped", async () => {
    const store = AclStore.open(folder());
    await store.add([binding(), binding({ operation: Operation.WRITE }), binding()]);
    expect(store.size).toBe(2);
    await store.add([binding({ operation: Operation.WRITE }), binding({ host: "10.0.0.1" })]);
    expect(store.size).toBe(3);
    expect(store.list(everything)).toEqual([binding(), binding({ operation: Operation.WRITE }), binding({ host: "10.0.0.1" })]);
  });

  test("persists to acls.json, readable by the owner only, and a reopen finds the same ACLs", async () => {
    const dir = folder();
    const store = AclStore.open(dir);
    const stored = [binding(), binding({ resourceName: "orders-", patternType: PatternType.PREFIXED, permission: Permission.DENY }), binding({ resourceType: ResourceType.GROUP, resourceName: "billing" })];
    await store.add(stored);
    const file = join(dir, aclsFileName);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ version: 1, acls: stored });
    const reopened = AclStore.open(dir);
    expect(reopened.list(everything)).toEqual(stored);
    expect(reopened.applying(ResourceType.TOPIC, "orders-eu")).toEqual([stored[1]]);
  });

  test("applying() finds the literal, wildcard and prefixed entries for a name, not other names or types", async () => {
    const store = AclStore.open(folder());
    await store.add([
      binding({ resourceName: "orders-eu" }),
      binding({ resourceName: "*" }),
      binding({ resourceName: "orders-", patternType: PatternType.PREFIXED }),
      binding({ resourceName: "o", patternType: PatternType.PREFIXED }),
      binding({ resourceName: "orders-eu-2", patternType: PatternType.PREFIXED }),
      binding({ resourceName: "payments-", patternType: PatternType.PREFIXED }),
      binding({ resourceName: "orders" }),
      binding({ resourceType: ResourceType.GROUP, resourceName: "orders-eu" }),
      binding({ resourceType: ResourceType.GROUP, resourceName: "*" }),
    ]);
    expect(names(store.applying(ResourceType.TOPIC, "orders-eu"))).toEqual(["*", "orders-eu", "prefixed:o", "prefixed:orders-"]);
    expect(names(store.applying(ResourceType.TOPIC, "orders"))).toEqual(["*", "orders", "prefixed:o"]);
    expect(names(store.applying(ResourceType.TOPIC, "payments"))).toEqual(["*"]);
    // A prefix applies to the name equal to it.
    expect(names(store.applying(ResourceType.TOPIC, "payments-"))).toEqual(["*", "prefixed:payments-"]);
    // Asking about "*" itself finds the wildcard entries once.
    expect(names(store.applying(ResourceType.TOPIC, "*"))).toEqual(["*"]);
    expect(names(store.applying(ResourceType.GROUP, "orders-eu"))).toEqual(["*", "orders-eu"]);
    expect(store.applying(ResourceType.TRANSACTIONAL_ID, "orders-eu")).toEqual([]);
  });

  test("ofType() answers every entry of one resource type, literal and prefixed", async () => {
    const store = AclStore.open(folder());
    const topics = [binding(), binding({ resourceName: "orders-", patternType: PatternType.PREFIXED })];
    await store.add([...topics, binding({ resourceType: ResourceType.GROUP, resourceName: "billing" })]);
    expect(names(store.ofType(ResourceType.TOPIC))).toEqual(["orders", "prefixed:orders-"]);
    expect(names(store.ofType(ResourceType.GROUP))).toEqual(["billing"]);
    expect(store.ofType(ResourceType.CLUSTER)).toEqual([]);
  });

  test("list() answers what the filter matches", async () => {
    const store = AclStore.open(folder());
    await store.add([binding(), binding({ principal: "User:bob" }), binding({ resourceName: "orders-", patternType: PatternType.PREFIXED })]);
    expect(store.list({ ...everything, principal: "User:bob" })).toEqual([binding({ principal: "User:bob" })]);
    expect(store.list({ ...everything, resourceType: ResourceType.TOPIC, patternType: PatternType.MATCH, resourceName: "orders-eu" })).toEqual([
      binding({ resourceName: "orders-", patternType: PatternType.PREFIXED }),
    ]);
  });

  test("remove() answers, per filter, what it matched (overlaps included) and persists what is left", async () => {
    const dir = folder();
    const store = AclStore.open(dir);
    const read = binding();
    const write = binding({ operation: Operation.WRITE });
    const bob = binding({ principal: "User:bob" });
    await store.add([read, write, bob]);
    const removed = await store.remove([
      { ...everything, principal: "User:alice" },
      { ...everything, operation: Operation.WRITE },
      { ...everything, principal: "User:carol" },
    ]);
    expect(removed).toEqual([[read, write], [write], []]);
    expect(store.list(everything)).toEqual([bob]);
    expect(AclStore.open(dir).list(everything)).toEqual([bob]);
    expect(await store.remove([{ ...everything, principal: "User:carol" }])).toEqual([[]]);
    expect(store.applying(ResourceType.TOPIC, "orders")).toEqual([bob]);
  });

  test("concurrent changes (CreateAcls and DeleteAcls from several connections) all succeed and none is lost", async () => {
    const dir = folder();
    const store = AclStore.open(dir);
    await store.add([binding({ resourceName: "old" })]);
    const changes = await Promise.allSettled([
      store.add([binding({ resourceName: "a" })]),
      store.add([binding({ resourceName: "b" }), binding({ resourceName: "c" })]),
      store.remove([{ ...everything, resourceName: "old" }]),
      store.add([binding({ resourceName: "d" })]),
    ]);
    expect(changes.map((change) => change.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    expect(names(store.list(everything))).toEqual(["a", "b", "c", "d"]);
    expect(names(AclStore.open(dir).list(everything))).toEqual(["a", "b", "c", "d"]);
  });

  test(`refuses to hold more than aclsMax (${aclsMax}) ACLs, adding none of the call`, async () => {
    const dir = folder();
    const acls = Array.from({ length: aclsMax - 1 }, (_, i) => binding({ resourceName: `t${i}` }));
    writeFileSync(join(dir, aclsFileName), JSON.stringify({ version: 1, acls }));
    const store = AclStore.open(dir);
    expect(store.size).toBe(aclsMax - 1);
    const tooMany = store.add([binding({ resourceName: "x" }), binding({ resourceName: "y" })]);
    await expect(tooMany).rejects.toThrow(new AclStoreError(`A broker holds at most ${aclsMax} ACLs`));
    expect(store.size).toBe(aclsMax - 1);
    await store.add([binding({ resourceName: "x" }), binding({ resourceName: "t0" })]);
    expect(store.size).toBe(aclsMax);
  });

  test("a corrupt or invalid acls.json is an AclStoreError with one line naming the file", () => {
    const dir = folder();
    const file = join(dir, aclsFileName);
    const cases: Array<[string, RegExp]> = [
      ["{not json", /^Cannot read ACL file ".*acls\.json": /],
      [JSON.stringify({ version: 2, acls: [] }), /^ACL file ".*acls\.json" is not a version 1 ACL file$/],
      [JSON.stringify({ version: 1, acls: {} }), /^ACL file ".*acls\.json" is not a version 1 ACL file$/],
      ["null", /^ACL file ".*acls\.json" is not a version 1 ACL file$/],
      [JSON.stringify({ version: 1, acls: [binding({ host: "" })] }), /^ACL file ".*acls\.json" holds an invalid ACL: The host cannot be empty/],
    ];
    for (const [content, message] of cases) {
      writeFileSync(file, content);
      let thrown: unknown;
      try {
        AclStore.open(dir);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AclStoreError);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).toContain(file);
      expect((thrown as Error).message).not.toContain("\n");
    }
  });

  test("reload() reads the file again; a bad file throws and keeps the ACLs known", async () => {
    const dir = folder();
    const store = AclStore.open(dir);
    await store.add([binding()]);
    const file = join(dir, aclsFileName);
    writeFileSync(file, JSON.stringify({ version: 1, acls: [binding({ resourceName: "payments" })] }));
    store.reload();
    expect(store.list(everything)).toEqual([binding({ resourceName: "payments" })]);
    expect(store.applying(ResourceType.TOPIC, "orders")).toEqual([]);
    writeFileSync(file, "[");
    expect(() => store.reload()).toThrow(AclStoreError);
    expect(store.list(everything)).toEqual([binding({ resourceName: "payments" })]);
  });
});
