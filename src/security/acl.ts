// Kafka's access control entries: who (principal, host) may or may not (permission) do what
// (operation) to which resources (type, name, literal or prefixed pattern), with the wire codes
// Kafka's ACL APIs use, and the filters DescribeAcls and DeleteAcls match them with.

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const Operation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export const Permission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

export type ResourceTypeName = keyof typeof ResourceType;
export type OperationName = keyof typeof Operation;

/** The one cluster resource's name, as Kafka names it. */
export const clusterResourceName = "kafka-cluster";
/** A literal resource name (or principal, or host) that matches every one. */
export const wildcard = "*";

/** One access control entry bound to a resource pattern (Kafka's AclBinding). */
export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

/** What DescribeAcls and DeleteAcls select with: null (or ANY) matches every value of a field. */
export interface AclBindingFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

/** The operations each resource type has (Kafka's table); an ACL for another one is refused. */
const operationsOf: Record<number, readonly number[]> = {
  [ResourceType.TOPIC]: [Operation.ALL, Operation.READ, Operation.WRITE, Operation.CREATE, Operation.DELETE, Operation.ALTER, Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS],
  [ResourceType.GROUP]: [Operation.ALL, Operation.READ, Operation.DELETE, Operation.DESCRIBE],
  [ResourceType.CLUSTER]: [Operation.ALL, Operation.CREATE, Operation.ALTER, Operation.DESCRIBE, Operation.CLUSTER_ACTION, Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS, Operation.IDEMPOTENT_WRITE],
  [ResourceType.TRANSACTIONAL_ID]: [Operation.ALL, Operation.WRITE, Operation.DESCRIBE],
  [ResourceType.DELEGATION_TOKEN]: [Operation.ALL, Operation.DESCRIBE],
  [ResourceType.USER]: [Operation.ALL, Operation.CREATE_TOKENS, Operation.DESCRIBE_TOKENS],
};

/** Longest resource name, principal or host an ACL may hold. */
const aclFieldLengthMax = 1024;

export function nameOf<T extends Record<string, number>>(codes: T, code: number): string {
  return Object.entries(codes).find(([, value]) => value === code)?.[0] ?? `UNKNOWN(${code})`;
}

/** Why `binding` cannot be stored (Kafka's INVALID_REQUEST cases), or null. */
export function bindingProblem(binding: AclBinding): string | null {
  const operations = operationsOf[binding.resourceType];
  if (operations === undefined) return `Resource type ${nameOf(ResourceType, binding.resourceType)} cannot have ACLs`;
  if (binding.patternType !== PatternType.LITERAL && binding.patternType !== PatternType.PREFIXED) return `Pattern type ${nameOf(PatternType, binding.patternType)} cannot be stored: use LITERAL or PREFIXED`;
  if (binding.permission !== Permission.ALLOW && binding.permission !== Permission.DENY) return `Permission ${nameOf(Permission, binding.permission)} cannot be stored: use ALLOW or DENY`;
  if (!operations.includes(binding.operation)) return `Operation ${nameOf(Operation, binding.operation)} does not apply to ${nameOf(ResourceType, binding.resourceType)}`;
  if (binding.resourceName === "") return "The resource name cannot be empty";
  if (binding.resourceType === ResourceType.CLUSTER && binding.resourceName !== clusterResourceName) return `The cluster resource is named "${clusterResourceName}"`;
  if (binding.patternType === PatternType.PREFIXED && binding.resourceName === wildcard) return `A prefixed pattern cannot be "${wildcard}"`;
  if (!/^[^:]+:.+$/.test(binding.principal)) return `Principal "${binding.principal}" is not of the form Type:name (User:alice)`;
  if (binding.host === "") return "The host cannot be empty (use * for every host)";
  for (const text of [binding.resourceName, binding.principal, binding.host]) {
    if (text.length > aclFieldLengthMax) return `ACL fields hold at most ${aclFieldLengthMax} characters`;
    if (/[\u0000-\u001f\u007f]/.test(text)) return "ACL fields cannot hold control characters";
  }
  return null;
}

/** Why `filter` cannot select anything meaningful (UNKNOWN codes), or null. */
export function filterProblem(filter: AclBindingFilter): string | null {
  if (filter.resourceType === ResourceType.UNKNOWN || nameOf(ResourceType, filter.resourceType).startsWith("UNKNOWN")) return "The filter's resource type is unknown";
  if (filter.patternType === PatternType.UNKNOWN || nameOf(PatternType, filter.patternType).startsWith("UNKNOWN")) return "The filter's pattern type is unknown";
  if (filter.operation === Operation.UNKNOWN || nameOf(Operation, filter.operation).startsWith("UNKNOWN")) return "The filter's operation is unknown";
  if (filter.permission === Permission.UNKNOWN || nameOf(Permission, filter.permission).startsWith("UNKNOWN")) return "The filter's permission is unknown";
  return null;
}

/** Whether a pattern (type and name) applies to the resource called `name`. */
export function patternMatches(patternType: number, patternName: string, name: string): boolean {
  if (patternType === PatternType.PREFIXED) return name.startsWith(patternName);
  return patternName === wildcard || patternName === name;
}

/**
 * Kafka's filter semantics: ANY and null match everything; MATCH selects the patterns that would
 * apply to the named resource (literal, wildcard and prefixed); LITERAL and PREFIXED match exactly.
 */
export function filterMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== binding.resourceType) return false;
  if (filter.patternType === PatternType.MATCH) {
    if (filter.resourceName !== null && !patternMatches(binding.patternType, binding.resourceName, filter.resourceName)) return false;
  } else {
    if (filter.patternType !== PatternType.ANY && filter.patternType !== binding.patternType) return false;
    if (filter.resourceName !== null && filter.resourceName !== binding.resourceName) return false;
  }
  if (filter.principal !== null && filter.principal !== binding.principal) return false;
  if (filter.host !== null && filter.host !== binding.host) return false;
  if (filter.operation !== Operation.ANY && filter.operation !== binding.operation) return false;
  if (filter.permission !== Permission.ANY && filter.permission !== binding.permission) return false;
  return true;
}

export function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return (
    a.resourceType === b.resourceType &&
    a.resourceName === b.resourceName &&
    a.patternType === b.patternType &&
    a.principal === b.principal &&
    a.host === b.host &&
    a.operation === b.operation &&
    a.permission === b.permission
  );
}

/** One line naming an ACL, for logs and the CLI. */
export function describeBinding(binding: AclBinding): string {
  return `${nameOf(Permission, binding.permission)} ${binding.principal} from ${binding.host} ${nameOf(Operation, binding.operation)} on ${nameOf(ResourceType, binding.resourceType)} ${nameOf(PatternType, binding.patternType)} "${binding.resourceName}"`;
}
