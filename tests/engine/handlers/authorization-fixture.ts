// What authorization tests add to a handler context: an Authorizer over an AclStore in a temporary
// folder holding the ACLs a test names, and alice as the requester.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HandlerContext } from "../../../src/engine/handler-context.ts";
import { type AclBinding, Operation, PatternType, Permission, ResourceType } from "../../../src/security/acl.ts";
import { AclStore } from "../../../src/security/acl-store.ts";
import { Authorizer, type AuthorizerOptions, type Requester } from "../../../src/security/authorizer.ts";
import type { WireFilter } from "../../../src/engine/handlers/acl-requests.ts";

export { Operation, PatternType, Permission, ResourceType };

export const alice: Requester = { principal: "User:alice", host: "127.0.0.1" };

const folders: string[] = [];

/** Removes the ACL folders made so far; call it from afterEach. */
export function removeAclFolders(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** An ACL granting alice READ on the literal topic "orders" from any host, with `fields` replaced. */
/** An ACL binding for alice unless overridden (tests/security/acl-fixture.ts). */
export { acl } from "../../security/acl-fixture.ts";

/** Context fields that make handlers check `acls` for alice (no super users, no ACL means refused). */
export async function securedBy(acls: AclBinding[], options: Partial<AuthorizerOptions> = {}): Promise<Pick<HandlerContext, "authorizer" | "requester">> {
  const dir = mkdtempSync(join(tmpdir(), "chronik-handler-acls-"));
  folders.push(dir);
  const store = AclStore.open(dir);
  await store.add(acls);
  return { authorizer: new Authorizer(store, { superUsers: [], allowEveryoneIfNoAcl: false, ...options }), requester: alice };
}

/** An ACL filter as DescribeAcls and DeleteAcls carry it: matches everything unless overridden. */
export function wireFilter(fields: Partial<WireFilter> = {}): Required<WireFilter> {
  return {
    resourceTypeFilter: ResourceType.ANY,
    resourceNameFilter: null,
    patternTypeFilter: PatternType.ANY,
    principalFilter: null,
    hostFilter: null,
    operation: Operation.ANY,
    permissionType: Permission.ANY,
    ...fields,
  };
}
