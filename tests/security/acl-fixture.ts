// What ACL tests share: an ACL binding with defaults (alice may READ topic orders from any host),
// overridden field by field.

import { type AclBinding, Operation, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";

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
