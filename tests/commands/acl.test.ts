import { describe, expect, test } from "bun:test";
import { aclCommand, bindingsToCreate, filtersOf } from "../../src/commands/acl.ts";
import { CommandError } from "../../src/commands/client-command.ts";
import { Operation, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";

type Flags = Parameters<typeof bindingsToCreate>[0];

function flags(fields: Partial<Flags> = {}): Flags {
  return { allowPrincipal: [], denyPrincipal: [], allowHost: [], denyHost: [], operation: [], topic: [], group: [], transactionalId: [], ...fields };
}

/** The flags `chronik acl <subcommand> …args` parses to, without running the subcommand. */
async function parsed(subcommand: "create" | "list" | "delete", args: string[]): Promise<Flags> {
  const command = aclCommand().exitOverride();
  let seen: Flags | undefined;
  for (const sub of command.commands) {
    sub.exitOverride();
    sub.action((...args: unknown[]) => {
      seen = args[0] as Flags;
    });
  }
  await command.parseAsync([subcommand, ...args], { from: "user" });
  if (seen === undefined) throw new Error(`"${subcommand}" did not run`);
  return seen;
}

const shortly = (bindings: ReturnType<typeof bindingsToCreate>) => bindings.map((b) => `${b.permission === Permission.DENY ? "deny" : "allow"} ${b.principal}@${b.host} ${b.operation} ${b.resourceType}:${b.resourceName}`);

describe("bindingsToCreate", () => {
  test("one ACL per principal × host × operation × resource, * as the default host", () => {
    const bindings = bindingsToCreate(flags({ allowPrincipal: ["User:alice", "User:bob"], allowHost: ["10.0.0.1", "10.0.0.2"], operation: ["read", "describe"], topic: ["orders"], group: ["billing"] }));
    expect(bindings).toHaveLength(2 * 2 * 2 * 2);
    expect(new Set(shortly(bindings)).size).toBe(16);
    expect(bindings.every((b) => b.patternType === PatternType.LITERAL && b.permission === Permission.ALLOW)).toBe(true);
    expect(shortly(bindings).slice(0, 2)).toEqual([`allow User:alice@10.0.0.1 ${Operation.READ} ${ResourceType.TOPIC}:orders`, `allow User:alice@10.0.0.1 ${Operation.DESCRIBE} ${ResourceType.TOPIC}:orders`]);
    const denied = bindingsToCreate(flags({ denyPrincipal: ["User:eve"], operation: ["all"], cluster: true, transactionalId: ["txn"] }));
    expect(shortly(denied)).toEqual([`deny User:eve@* ${Operation.ALL} ${ResourceType.TRANSACTIONAL_ID}:txn`, `deny User:eve@* ${Operation.ALL} ${ResourceType.CLUSTER}:kafka-cluster`]);
  });

  test("allow principals take the allow hosts, deny principals the deny hosts", () => {
    const bindings = bindingsToCreate(flags({ allowPrincipal: ["alice"], allowHost: ["10.0.0.1"], denyPrincipal: ["bob"], denyHost: ["10.0.0.66"], operation: ["write"], topic: ["orders"] }));
    expect(shortly(bindings)).toEqual([`allow User:alice@10.0.0.1 ${Operation.WRITE} ${ResourceType.TOPIC}:orders`, `deny User:bob@10.0.0.66 ${Operation.WRITE} ${ResourceType.TOPIC}:orders`]);
  });

  test('a principal without a type is a user: "alice" is "User:alice"; a typed one is kept', () => {
    const [first, second] = bindingsToCreate(flags({ allowPrincipal: ["alice", "Group:ops"], operation: ["read"], topic: ["orders"] }));
    expect(first.principal).toBe("User:alice");
    expect(second.principal).toBe("Group:ops");
  });

  test("operations are case-insensitive and take dashes; a prefixed pattern is kept", () => {
    const bindings = bindingsToCreate(flags({ allowPrincipal: ["alice"], operation: ["DESCRIBE-CONFIGS", "Idempotent_Write"], cluster: true, resourcePatternType: "PREFIXED" }));
    expect(bindings.map((b) => [b.operation, b.patternType])).toEqual([
      [Operation.DESCRIBE_CONFIGS, PatternType.PREFIXED],
      [Operation.IDEMPOTENT_WRITE, PatternType.PREFIXED],
    ]);
  });

  test("an unknown operation or pattern type is an error naming it", () => {
    expect(() => bindingsToCreate(flags({ allowPrincipal: ["alice"], operation: ["read", "smash"], topic: ["orders"] }))).toThrow('"smash" is not an operation');
    expect(() => bindingsToCreate(flags({ allowPrincipal: ["alice"], operation: ["read"], topic: ["orders"], resourcePatternType: "glob" }))).toThrow('"glob" is not a resource pattern type');
  });

  test("missing resource, principal or operation, or a match/any pattern, is a CommandError", () => {
    const complete = { allowPrincipal: ["alice"], operation: ["read"], topic: ["orders"] };
    const cases: Array<[Partial<Flags>, string]> = [
      [{ ...complete, topic: [] }, "Name at least one resource"],
      [{ ...complete, allowPrincipal: [] }, "Name at least one principal"],
      [{ ...complete, operation: [] }, "Name at least one operation"],
      [{ ...complete, resourcePatternType: "match" }, "literal or prefixed"],
      [{ ...complete, resourcePatternType: "any" }, "literal or prefixed"],
    ];
    for (const [fields, message] of cases) {
      let thrown: unknown;
      try {
        bindingsToCreate(flags(fields));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CommandError);
      expect((thrown as Error).message).toContain(message);
    }
  });

  test("parsed flags: a certificate principal's commas stay in one principal; hosts, operations and topics split on commas", async () => {
    const options = await parsed("create", ["--allow-principal", "User:CN=alice,O=Acme,C=NL", "--allow-host", "10.0.0.1, 10.0.0.2", "--operation", "read,write", "--topic", "a,b", "--topic", "c"]);
    expect(options.allowPrincipal).toEqual(["User:CN=alice,O=Acme,C=NL"]);
    expect(options.allowHost).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(options.operation).toEqual(["read", "write"]);
    expect(options.topic).toEqual(["a", "b", "c"]);
    const bindings = bindingsToCreate(options);
    expect(bindings).toHaveLength(1 * 2 * 2 * 3);
    expect(new Set(bindings.map((b) => b.principal))).toEqual(new Set(["User:CN=alice,O=Acme,C=NL"]));
  });
});

describe("filtersOf", () => {
  test("without flags: one filter matching every ACL", () => {
    expect(filtersOf(flags())).toEqual([
      { resourceType: ResourceType.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Operation.ANY, permission: Permission.ANY },
    ]);
  });

  test("a principal without hosts matches every host (null), not only *", () => {
    expect(filtersOf(flags({ allowPrincipal: ["alice"], topic: ["orders"], resourcePatternType: "match" }))).toEqual([
      { resourceType: ResourceType.TOPIC, resourceName: "orders", patternType: PatternType.MATCH, principal: "User:alice", host: null, operation: Operation.ANY, permission: Permission.ALLOW },
    ]);
  });

  test("every combination of what the flags name; deny hosts go with deny principals", () => {
    const filters = filtersOf(flags({ denyPrincipal: ["bob"], denyHost: ["10.0.0.66"], operation: ["write", "read"], group: ["g1", "g2"] }));
    expect(filters).toHaveLength(4);
    expect(filters.every((f) => f.principal === "User:bob" && f.host === "10.0.0.66" && f.permission === Permission.DENY && f.resourceType === ResourceType.GROUP)).toBe(true);
    expect(filters.map((f) => [f.resourceName, f.operation])).toEqual([
      ["g1", Operation.WRITE],
      ["g1", Operation.READ],
      ["g2", Operation.WRITE],
      ["g2", Operation.READ],
    ]);
  });

  test('"any" is an operation filters take; list parses with pattern type any by default', async () => {
    expect(filtersOf(flags({ operation: ["any"] }))[0].operation).toBe(Operation.ANY);
    const options = await parsed("list", ["--cluster"]);
    expect(filtersOf(options)).toEqual([
      { resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", patternType: PatternType.ANY, principal: null, host: null, operation: Operation.ANY, permission: Permission.ANY },
    ]);
    expect((await parsed("create", ["--cluster"])).resourcePatternType).toBe("literal");
  });
});

test("create refuses --operation any, which only selects", () => {
  expect(() => bindingsToCreate({ allowPrincipal: ["alice"], denyPrincipal: [], allowHost: [], denyHost: [], operation: ["any"], topic: ["t"], group: [], transactionalId: [] })).toThrow("--operation any selects ACLs");
});
