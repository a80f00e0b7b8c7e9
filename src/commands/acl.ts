// `chronik acl create|list|delete`: access control entries with rpk's flags (`rpk security acl`):
// principals to allow or deny (User:alice, or alice), hosts, operations, and the resources
// (--topic, --group, --cluster, --transactional-id) with a literal or prefixed pattern.
// Every combination of principal, host, operation and resource is one ACL, as in rpk.

import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { AclAdmin } from "../client/acl-admin.ts";
import {
  type AclBinding,
  type AclBindingFilter,
  clusterResourceName,
  nameOf,
  Operation,
  PatternType,
  Permission,
  ResourceType,
  wildcard,
} from "../security/acl.ts";
import { adminSubcommand, type AdminOptions, renderTable, withCluster } from "./admin-command.ts";
import { collect, CommandError } from "./client-command.ts";

interface AclFlags {
  allowPrincipal: string[];
  denyPrincipal: string[];
  allowHost: string[];
  denyHost: string[];
  operation: string[];
  topic: string[];
  group: string[];
  transactionalId: string[];
  cluster?: boolean;
  resourcePatternType?: string;
}

const operationNames = ["all", "read", "write", "create", "delete", "alter", "describe", "cluster_action", "describe_configs", "alter_configs", "idempotent_write"] as const;
const patternNames = ["literal", "prefixed", "match", "any"] as const;

const collectList = (value: string, previous: string[]) => [...previous, ...value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "")];

/** rpk's rule: a principal without a type is a user. */
function principalOf(text: string): string {
  return text.includes(":") ? text : `User:${text}`;
}

function operationCode(name: string): number {
  const normalized = name.toLowerCase().replaceAll("-", "_");
  if (!(operationNames as readonly string[]).includes(normalized) && normalized !== "any") throw new InvalidArgumentError(`"${name}" is not an operation: use ${operationNames.join(", ")}`);
  return Operation[normalized.toUpperCase() as keyof typeof Operation];
}

function patternCode(name: string): number {
  const normalized = name.toLowerCase();
  if (!(patternNames as readonly string[]).includes(normalized)) throw new InvalidArgumentError(`"${name}" is not a resource pattern type: use ${patternNames.join(", ")}`);
  return PatternType[normalized.toUpperCase() as keyof typeof PatternType];
}

/** The resources the flags name, as [type, name] pairs. */
function resourcesOf(flags: AclFlags): Array<[number, string]> {
  return [
    ...flags.topic.map((name): [number, string] => [ResourceType.TOPIC, name]),
    ...flags.group.map((name): [number, string] => [ResourceType.GROUP, name]),
    ...flags.transactionalId.map((name): [number, string] => [ResourceType.TRANSACTIONAL_ID, name]),
    ...(flags.cluster === true ? [[ResourceType.CLUSTER, clusterResourceName] as [number, string]] : []),
  ];
}

/** Who, from where, with which permission: allow principals with allow hosts, deny principals with deny hosts. */
function grantsOf(flags: AclFlags, defaultHosts: string[]): Array<{ principal: string; host: string; permission: number }> {
  const hostsOr = (hosts: string[]) => (hosts.length > 0 ? hosts : defaultHosts);
  return [
    ...flags.allowPrincipal.flatMap((principal) => hostsOr(flags.allowHost).map((host) => ({ principal: principalOf(principal), host, permission: Permission.ALLOW }))),
    ...flags.denyPrincipal.flatMap((principal) => hostsOr(flags.denyHost).map((host) => ({ principal: principalOf(principal), host, permission: Permission.DENY }))),
  ];
}

export function bindingsToCreate(flags: AclFlags): AclBinding[] {
  const resources = resourcesOf(flags);
  if (resources.length === 0) throw new CommandError("Name at least one resource: --topic, --group, --transactional-id or --cluster");
  const grants = grantsOf(flags, [wildcard]);
  if (grants.length === 0) throw new CommandError("Name at least one principal: --allow-principal or --deny-principal");
  if (flags.operation.length === 0) throw new CommandError("Name at least one operation: --operation read,write,…");
  const patternType = patternCode(flags.resourcePatternType ?? "literal");
  if (patternType !== PatternType.LITERAL && patternType !== PatternType.PREFIXED) throw new CommandError("ACLs are created with a literal or prefixed --resource-pattern-type");
  const operations = flags.operation.map(operationCode);
  if (operations.includes(Operation.ANY)) throw new CommandError("--operation any selects ACLs in list and delete; an ACL names real operations (or all)");
  return resources.flatMap(([resourceType, resourceName]) =>
    grants.flatMap(({ principal, host, permission }) => operations.map((operation) => ({ resourceType, resourceName, patternType, principal, host, operation, permission }))),
  );
}

/** The filters `list` and `delete` use: every combination of what the flags name, ANY for what they leave out. */
export function filtersOf(flags: AclFlags): AclBindingFilter[] {
  const patternType = patternCode(flags.resourcePatternType ?? "any");
  const resources: Array<[number, string | null]> = resourcesOf(flags);
  // A filter without hosts matches every host (null), not only the * entries.
  const grants: Array<{ principal: string | null; host: string | null; permission: number }> = grantsOf(flags, [""]).map((grant) => ({ ...grant, host: grant.host === "" ? null : grant.host }));
  const operations = flags.operation.length === 0 ? [Operation.ANY] : flags.operation.map(operationCode);
  return (resources.length > 0 ? resources : [[ResourceType.ANY, null] as [number, string | null]]).flatMap(([resourceType, resourceName]) =>
    (grants.length > 0 ? grants : [{ principal: null, host: null, permission: Permission.ANY }]).flatMap(({ principal, host, permission }) =>
      operations.map((operation) => ({ resourceType, resourceName, patternType, principal, host, operation, permission })),
    ),
  );
}

const headers = ["PRINCIPAL", "HOST", "RESOURCE-TYPE", "RESOURCE-NAME", "RESOURCE-PATTERN-TYPE", "OPERATION", "PERMISSION"];

function row(binding: AclBinding): string[] {
  return [
    binding.principal,
    binding.host,
    nameOf(ResourceType, binding.resourceType),
    binding.resourceName,
    nameOf(PatternType, binding.patternType),
    nameOf(Operation, binding.operation),
    nameOf(Permission, binding.permission),
  ];
}

function asJson(binding: AclBinding) {
  return {
    principal: binding.principal,
    host: binding.host,
    resourceType: nameOf(ResourceType, binding.resourceType),
    resourceName: binding.resourceName,
    patternType: nameOf(PatternType, binding.patternType),
    operation: nameOf(Operation, binding.operation),
    permission: nameOf(Permission, binding.permission),
  };
}

function print(bindings: AclBinding[], format: AdminOptions["format"], errors?: Array<string | null>): void {
  if (format === "json") {
    process.stdout.write(bindings.map((binding, i) => JSON.stringify({ ...asJson(binding), ...(errors ? { error: errors[i] } : {}) }) + "\n").join(""));
    return;
  }
  const rows = bindings.map((binding, i) => (errors ? [...row(binding), errors[i] ?? ""] : row(binding)));
  process.stdout.write(renderTable(errors ? [...headers, "ERROR"] : headers, rows));
}

async function runCreate(options: AdminOptions & AclFlags): Promise<void> {
  await withCluster("acl create", options, async (cluster) => {
    const bindings = bindingsToCreate(options);
    const results = await new AclAdmin(cluster).create(bindings);
    print(results.map((result) => result.binding), options.format, results.map((result) => result.error?.message ?? null));
    if (results.some((result) => result.error !== null)) process.exitCode = 1;
  });
}

async function runList(options: AdminOptions & AclFlags): Promise<void> {
  await withCluster("acl list", options, async (cluster) => {
    const filters = filtersOf(options);
    const admin = new AclAdmin(cluster);
    const found = new Map<string, AclBinding>();
    for (const filter of filters) for (const binding of await admin.describe(filter)) found.set(JSON.stringify(binding), binding);
    print([...found.values()], options.format);
  });
}

async function runDelete(options: AdminOptions & AclFlags): Promise<void> {
  await withCluster("acl delete", options, async (cluster) => {
    print(await new AclAdmin(cluster).delete(filtersOf(options)), options.format);
  });
}

function withAclFlags(command: ReturnType<typeof adminSubcommand>, patternDefault: string) {
  return command
    // Not comma-separated: a certificate's principal holds commas (User:CN=alice,O=Acme).
    .option("--allow-principal <principal>", "principal to allow (User:alice, or alice), repeatable", collect, [] as string[])
    .option("--deny-principal <principal>", "principal to deny, repeatable", collect, [] as string[])
    .option("--allow-host <hosts>", "hosts allow principals connect from (default: * for create)", collectList, [] as string[])
    .option("--deny-host <hosts>", "hosts deny principals connect from (default: * for create)", collectList, [] as string[])
    .option("--operation <operations>", `operations, comma-separated: ${operationNames.join(", ")}`, collectList, [] as string[])
    .option("--topic <topics>", "topics, comma-separated, repeatable", collectList, [] as string[])
    .option("--group <groups>", "consumer groups, comma-separated, repeatable", collectList, [] as string[])
    .option("--transactional-id <ids>", "transactional ids, comma-separated, repeatable", collectList, [] as string[])
    .option("--cluster", "the cluster resource")
    .option("--resource-pattern-type <type>", `literal or prefixed (list and delete also take match and any)`, patternDefault);
}

export function aclCommand() {
  const create = withAclFlags(adminSubcommand("create"), "literal")
    .description("Create ACLs: every combination of principal, host, operation and resource (rpk security acl create)")
    .action(runCreate);
  const list = withAclFlags(adminSubcommand("list"), "any")
    .description("List the ACLs the flags select (all of them without flags)")
    .action(runList);
  const remove = withAclFlags(adminSubcommand("delete"), "any")
    .description("Delete the ACLs the flags select, and print them")
    .action(runDelete);
  return new Command("acl").description("Access control lists: who may do what to topics, groups, transactional ids and the cluster").addCommand(create).addCommand(list).addCommand(remove);
}
