// Decides whether a principal connecting from a host may perform an operation on a resource, as
// Kafka's StandardAuthorizer does: super users may do anything; a matching DENY wins over any
// ALLOW; an ALLOW for READ, WRITE, DELETE or ALTER implies DESCRIBE, and ALTER_CONFIGS implies
// DESCRIBE_CONFIGS; ALL covers every operation; a resource no ACL applies to is refused unless
// the broker allows everyone in that case.

import { type AclBinding, Operation, PatternType, Permission, wildcard } from "./acl.ts";
import type { AclStore } from "./acl-store.ts";

/** Who is asking: `User:alice` (SASL), `User:CN=…` (TLS certificate) or `User:ANONYMOUS`, and from where. */
export interface Requester {
  principal: string;
  host: string;
}

export const anonymousPrincipal = "User:ANONYMOUS";
const anyUser = "User:*";

export interface AuthorizerOptions {
  /** Principals allowed everything, ACLs or not. */
  superUsers: readonly string[];
  /** Allow requests on resources no ACL applies to (Kafka's allow.everyone.if.no.acl.found). */
  allowEveryoneIfNoAcl: boolean;
}

/** The operations whose ALLOW grants `operation`. */
function grantingOperations(operation: number): readonly number[] {
  if (operation === Operation.DESCRIBE) return [Operation.DESCRIBE, Operation.READ, Operation.WRITE, Operation.DELETE, Operation.ALTER, Operation.ALL];
  if (operation === Operation.DESCRIBE_CONFIGS) return [Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS, Operation.ALL];
  return [operation, Operation.ALL];
}

function concerns(binding: AclBinding, requester: Requester): boolean {
  return (binding.principal === requester.principal || binding.principal === anyUser) && (binding.host === wildcard || binding.host === requester.host);
}

export class Authorizer {
  readonly acls: AclStore;
  readonly #superUsers: ReadonlySet<string>;
  readonly #allowEveryoneIfNoAcl: boolean;

  constructor(acls: AclStore, options: AuthorizerOptions) {
    this.acls = acls;
    this.#superUsers = new Set(options.superUsers);
    this.#allowEveryoneIfNoAcl = options.allowEveryoneIfNoAcl;
  }

  isSuperUser(principal: string): boolean {
    return this.#superUsers.has(principal);
  }

  authorize(requester: Requester, operation: number, resourceType: number, resourceName: string): boolean {
    if (this.#superUsers.has(requester.principal)) return true;
    const applying = this.acls.applying(resourceType, resourceName);
    if (applying.length === 0) return this.#allowEveryoneIfNoAcl;
    const denied = applying.some((binding) => binding.permission === Permission.DENY && (binding.operation === operation || binding.operation === Operation.ALL) && concerns(binding, requester));
    if (denied) return false;
    const granting = grantingOperations(operation);
    return applying.some((binding) => binding.permission === Permission.ALLOW && granting.includes(binding.operation) && concerns(binding, requester));
  }

  /**
   * Whether the requester may perform `operation` on some resource of the type (Kafka's
   * authorizeByResourceType, used to let idempotent producers in with WRITE on any topic): an
   * ALLOW naming a resource that no DENY covers entirely. When everyone is allowed by default,
   * only ACLs on the literal "*" can refuse, as in Kafka.
   */
  authorizeAny(requester: Requester, operation: number, resourceType: number): boolean {
    if (this.#superUsers.has(requester.principal)) return true;
    if (this.#allowEveryoneIfNoAcl) return this.authorize(requester, operation, resourceType, wildcard);
    const granting = grantingOperations(operation);
    return this.acls
      .ofType(resourceType)
      .some((binding) => binding.permission === Permission.ALLOW && granting.includes(binding.operation) && concerns(binding, requester) && !this.#grantDenied(requester, operation, binding));
  }

  /** Kafka's rule: a literal grant is cancelled by any DENY applying to its name; a prefixed one only by a prefixed DENY covering its prefix, or a DENY on the literal "*". */
  #grantDenied(requester: Requester, operation: number, grant: AclBinding): boolean {
    return this.acls
      .applying(grant.resourceType, grant.resourceName)
      .some(
        (deny) =>
          deny.permission === Permission.DENY &&
          (deny.operation === operation || deny.operation === Operation.ALL) &&
          concerns(deny, requester) &&
          (grant.patternType !== PatternType.PREFIXED || deny.patternType === PatternType.PREFIXED || deny.resourceName === wildcard),
      );
  }
}
