import { describe, expect, test } from "bun:test";
import {
  type AclBinding,
  type AclBindingFilter,
  bindingProblem,
  describeBinding,
  filterMatches,
  filterProblem,
  Operation,
  PatternType,
  patternMatches,
  Permission,
  ResourceType,
} from "../../src/security/acl.ts";
import { acl as binding, aclFilter } from "./acl-fixture.ts";


/** A filter matching everything; tests narrow the field they are about. */
const filter = aclFilter;

describe("bindingProblem", () => {
  test("accepts literal and prefixed ACLs on every type with an operation of that type", () => {
    expect(bindingProblem(binding())).toBeNull();
    expect(bindingProblem(binding({ patternType: PatternType.PREFIXED, resourceName: "orders-", permission: Permission.DENY }))).toBeNull();
    expect(bindingProblem(binding({ resourceName: "*", principal: "User:*" }))).toBeNull();
    expect(bindingProblem(binding({ resourceType: ResourceType.GROUP, resourceName: "billing", operation: Operation.READ }))).toBeNull();
    expect(bindingProblem(binding({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.IDEMPOTENT_WRITE }))).toBeNull();
    expect(bindingProblem(binding({ resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: "txn", operation: Operation.WRITE }))).toBeNull();
    expect(bindingProblem(binding({ principal: "User:CN=alice,O=Acme", host: "10.0.0.7" }))).toBeNull();
  });

  test("refuses resource types that cannot hold ACLs", () => {
    for (const resourceType of [ResourceType.UNKNOWN, ResourceType.ANY, 42]) {
      expect(bindingProblem(binding({ resourceType }))).toMatch(/^Resource type .* cannot have ACLs$/);
    }
  });

  test("refuses MATCH, ANY and UNKNOWN patterns: only LITERAL and PREFIXED are stored", () => {
    for (const patternType of [PatternType.MATCH, PatternType.ANY, PatternType.UNKNOWN]) {
      expect(bindingProblem(binding({ patternType }))).toMatch(/^Pattern type (MATCH|ANY|UNKNOWN) cannot be stored/);
    }
  });

  test("refuses permissions other than ALLOW and DENY", () => {
    expect(bindingProblem(binding({ permission: Permission.ANY }))).toMatch(/^Permission ANY cannot be stored/);
    expect(bindingProblem(binding({ permission: Permission.UNKNOWN }))).toMatch(/^Permission UNKNOWN cannot be stored/);
  });

  test("refuses an operation the resource type does not have", () => {
    expect(bindingProblem(binding({ resourceType: ResourceType.GROUP, resourceName: "billing", operation: Operation.WRITE }))).toBe("Operation WRITE does not apply to GROUP");
    expect(bindingProblem(binding({ operation: Operation.IDEMPOTENT_WRITE }))).toBe("Operation IDEMPOTENT_WRITE does not apply to TOPIC");
    expect(bindingProblem(binding({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.READ }))).toBe("Operation READ does not apply to CLUSTER");
    expect(bindingProblem(binding({ resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: "txn", operation: Operation.READ }))).toBe("Operation READ does not apply to TRANSACTIONAL_ID");
    expect(bindingProblem(binding({ operation: Operation.ANY }))).toBe("Operation ANY does not apply to TOPIC");
    expect(bindingProblem(binding({ operation: Operation.UNKNOWN }))).toBe("Operation UNKNOWN does not apply to TOPIC");
  });

  test("refuses an empty resource name, and a cluster not named kafka-cluster", () => {
    expect(bindingProblem(binding({ resourceName: "" }))).toBe("The resource name cannot be empty");
    expect(bindingProblem(binding({ resourceType: ResourceType.CLUSTER, resourceName: "my-cluster", operation: Operation.ALTER }))).toBe('The cluster resource is named "kafka-cluster"');
  });

  test('refuses a prefixed "*" (a literal "*" already matches every name)', () => {
    expect(bindingProblem(binding({ patternType: PatternType.PREFIXED, resourceName: "*" }))).toBe('A prefixed pattern cannot be "*"');
  });

  test("refuses a principal that is not Type:name", () => {
    for (const principal of ["alice", "", "User:", ":alice"]) {
      expect(bindingProblem(binding({ principal }))).toMatch(/^Principal ".*" is not of the form Type:name/);
    }
  });

  test("refuses an empty host", () => {
    expect(bindingProblem(binding({ host: "" }))).toBe("The host cannot be empty (use * for every host)");
  });

  test("refuses control characters in the name, principal or host", () => {
    expect(bindingProblem(binding({ resourceName: "orders\n" }))).toBe("ACL fields cannot hold control characters");
    expect(bindingProblem(binding({ principal: "User:al\u0000ice" }))).toBe("ACL fields cannot hold control characters");
    expect(bindingProblem(binding({ host: "10.0.0.1\u007f" }))).toBe("ACL fields cannot hold control characters");
  });

  test("refuses fields longer than 1024 characters, and accepts 1024", () => {
    expect(bindingProblem(binding({ resourceName: "t".repeat(1024) }))).toBeNull();
    expect(bindingProblem(binding({ resourceName: "t".repeat(1025) }))).toBe("ACL fields hold at most 1024 characters");
    expect(bindingProblem(binding({ principal: `User:${"a".repeat(1020)}` }))).toBe("ACL fields hold at most 1024 characters");
    expect(bindingProblem(binding({ host: "h".repeat(1025) }))).toBe("ACL fields hold at most 1024 characters");
  });
});

describe("filterProblem", () => {
  test("a filter of known codes is fine, one UNKNOWN or unheard-of code is not", () => {
    expect(filterProblem(filter())).toBeNull();
    expect(filterProblem(filter({ resourceType: ResourceType.UNKNOWN }))).toBe("The filter's resource type is unknown");
    expect(filterProblem(filter({ resourceType: 99 }))).toBe("The filter's resource type is unknown");
    expect(filterProblem(filter({ patternType: PatternType.UNKNOWN }))).toBe("The filter's pattern type is unknown");
    expect(filterProblem(filter({ operation: Operation.UNKNOWN }))).toBe("The filter's operation is unknown");
    expect(filterProblem(filter({ permission: 7 }))).toBe("The filter's permission is unknown");
  });
});

describe("patternMatches", () => {
  test("a literal name matches itself only, a literal * matches every name", () => {
    expect(patternMatches(PatternType.LITERAL, "orders", "orders")).toBe(true);
    expect(patternMatches(PatternType.LITERAL, "orders", "orders-eu")).toBe(false);
    expect(patternMatches(PatternType.LITERAL, "orders", "order")).toBe(false);
    expect(patternMatches(PatternType.LITERAL, "*", "anything")).toBe(true);
  });

  test("a prefix matches the names starting with it, itself included, and nothing else", () => {
    expect(patternMatches(PatternType.PREFIXED, "orders-", "orders-eu")).toBe(true);
    expect(patternMatches(PatternType.PREFIXED, "orders-", "orders-")).toBe(true);
    expect(patternMatches(PatternType.PREFIXED, "orders-", "orders")).toBe(false);
    expect(patternMatches(PatternType.PREFIXED, "orders-", "eu-orders-")).toBe(false);
    expect(patternMatches(PatternType.PREFIXED, "*", "orders")).toBe(false);
  });
});

describe("filterMatches", () => {
  const literal = binding({ resourceName: "orders-eu" });
  const wildcardTopic = binding({ resourceName: "*" });
  const prefixed = binding({ resourceName: "orders-", patternType: PatternType.PREFIXED });
  const otherPrefix = binding({ resourceName: "payments-", patternType: PatternType.PREFIXED });
  const otherLiteral = binding({ resourceName: "orders" });
  const group = binding({ resourceType: ResourceType.GROUP, resourceName: "orders-eu" });
  const all = [literal, wildcardTopic, prefixed, otherPrefix, otherLiteral, group];
  const selected = (f: AclBindingFilter) => all.filter((b) => filterMatches(f, b));

  test("the ANY filter (null and ANY everywhere) matches every binding", () => {
    expect(selected(filter())).toEqual(all);
  });

  test("the resource type narrows unless ANY", () => {
    expect(selected(filter({ resourceType: ResourceType.GROUP }))).toEqual([group]);
    expect(selected(filter({ resourceType: ResourceType.TOPIC }))).toEqual([literal, wildcardTopic, prefixed, otherPrefix, otherLiteral]);
  });

  test("LITERAL and PREFIXED select their own pattern type with exactly that name", () => {
    expect(selected(filter({ resourceType: ResourceType.TOPIC, patternType: PatternType.LITERAL, resourceName: "orders-eu" }))).toEqual([literal]);
    expect(selected(filter({ resourceType: ResourceType.TOPIC, patternType: PatternType.PREFIXED, resourceName: "orders-" }))).toEqual([prefixed]);
    // A prefixed filter does not select the literal ACLs its prefix would apply to.
    expect(selected(filter({ resourceType: ResourceType.TOPIC, patternType: PatternType.PREFIXED, resourceName: "orders" }))).toEqual([]);
    expect(selected(filter({ patternType: PatternType.LITERAL }))).toEqual([literal, wildcardTopic, otherLiteral, group]);
  });

  test("ANY with a name selects every pattern type with exactly that name", () => {
    expect(selected(filter({ resourceName: "orders-" }))).toEqual([prefixed]);
    expect(selected(filter({ resourceName: "orders-eu" }))).toEqual([literal, group]);
    expect(selected(filter({ resourceName: "*" }))).toEqual([wildcardTopic]);
  });

  test("MATCH selects the literal, wildcard and prefixed patterns that apply to the name", () => {
    expect(selected(filter({ resourceType: ResourceType.TOPIC, patternType: PatternType.MATCH, resourceName: "orders-eu" }))).toEqual([literal, wildcardTopic, prefixed]);
    expect(selected(filter({ resourceType: ResourceType.TOPIC, patternType: PatternType.MATCH, resourceName: "orders" }))).toEqual([wildcardTopic, otherLiteral]);
    // Without a name MATCH selects every pattern type, like ANY.
    expect(selected(filter({ resourceType: ResourceType.TOPIC, patternType: PatternType.MATCH }))).toEqual([literal, wildcardTopic, prefixed, otherPrefix, otherLiteral]);
  });

  test("principal, host, operation and permission narrow exactly; null and ANY do not", () => {
    const bob = binding({ principal: "User:bob", host: "10.0.0.1", operation: Operation.WRITE, permission: Permission.DENY });
    const alice = binding();
    const both = [alice, bob];
    const pick = (f: Partial<AclBindingFilter>) => both.filter((b) => filterMatches(filter(f), b));
    expect(pick({ principal: "User:bob" })).toEqual([bob]);
    // A filter's User:* selects the User:* entries, it is not a wildcard.
    expect(pick({ principal: "User:*" })).toEqual([]);
    expect(pick({ host: "10.0.0.1" })).toEqual([bob]);
    expect(pick({ host: "*" })).toEqual([alice]);
    expect(pick({ operation: Operation.READ })).toEqual([alice]);
    expect(pick({ permission: Permission.DENY })).toEqual([bob]);
    expect(pick({ permission: Permission.ALLOW, operation: Operation.WRITE })).toEqual([]);
  });
});

describe("describeBinding", () => {
  test("names the permission, principal, host, operation and resource in one line", () => {
    expect(describeBinding(binding())).toBe('ALLOW User:alice from * READ on TOPIC LITERAL "orders"');
    expect(describeBinding(binding({ permission: Permission.DENY, host: "10.0.0.1", operation: Operation.ALL, resourceType: ResourceType.GROUP, patternType: PatternType.PREFIXED, resourceName: "billing-" }))).toBe(
      'DENY User:alice from 10.0.0.1 ALL on GROUP PREFIXED "billing-"',
    );
  });
});
