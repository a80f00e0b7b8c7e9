// What ACL tests share: an ACL binding with defaults (alice may READ topic orders from any host),
// and a filter that matches everything, each overridden field by field.

import { type AclBinding, type AclBindingFilter, Operation, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";

export function acl(fields: Partial<AclBinding> = {}): AclBinding {
  return {
    resourceType: ResourceType.TOPIC,
    resourceName: "orders",
    patternType: PatternType.LITERAL,
    principal: "User:alice",
    host: "*",
    operation: Operation.READ,
    permission: Permission.ALLOW,
    ...fields,
  };
}

export function aclFilter(fields: Partial<AclBindingFilter> = {}): AclBindingFilter {
  return {
    resourceType: ResourceType.ANY,
    resourceName: null,
    patternType: PatternType.ANY,
    principal: null,
    host: null,
    operation: Operation.ANY,
    permission: Permission.ANY,
    ...fields,
  };
}
