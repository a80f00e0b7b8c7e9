// Users and ACLs for the HTTP security tests: an Authorizer over an ACL file in a temporary
// folder, SCRAM users in memory whose credentials a test may change, and Basic headers.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AclBinding, clusterResourceName, Operation, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { AclStore } from "../../src/security/acl-store.ts";
import { Authorizer } from "../../src/security/authorizer.ts";
import { makeScramCredential, type ScramCredential, type ScramMechanism } from "../../src/security/scram.ts";
import type { CredentialSource } from "../../src/http/basic-auth.ts";

export const passwords = { admin: "admin-secret", alice: "alice-secret", bob: "bob-secret" } as const;

/** Users in memory: admin and alice with SCRAM-SHA-512, bob with SCRAM-SHA-256 only. */
export function memoryUsers(): CredentialSource & { set(user: string, mechanism: ScramMechanism, password: string): void; remove(user: string): void } {
  const users = new Map<string, Partial<Record<ScramMechanism, ScramCredential>>>();
  const source = {
    credential: (user: string, mechanism: ScramMechanism) => users.get(user)?.[mechanism],
    set(user: string, mechanism: ScramMechanism, password: string) {
      users.set(user, { ...users.get(user), [mechanism]: makeScramCredential(mechanism, password) });
    },
    remove(user: string) {
      users.delete(user);
    },
  };
  source.set("admin", "SCRAM-SHA-512", passwords.admin);
  source.set("alice", "SCRAM-SHA-512", passwords.alice);
  source.set("bob", "SCRAM-SHA-256", passwords.bob);
  return source;
}

/** An ALLOW for `principal` from any host. */
export function allow(principal: string, operation: number, resourceType: number, resourceName: string, patternType: number = PatternType.LITERAL): AclBinding {
  return { resourceType, resourceName, patternType, principal, host: "*", operation, permission: Permission.ALLOW };
}

export const clusterAllow = (principal: string, operation: number) => allow(principal, operation, ResourceType.CLUSTER, clusterResourceName);

/** An Authorizer with `User:admin` as super user and the given ACLs; `cleanup` removes its folder. */
export async function authorizerWith(acls: AclBinding[]): Promise<{ authorizer: Authorizer; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "chronik-http-acl-"));
  const store = AclStore.open(dir);
  await store.add(acls);
  return { authorizer: new Authorizer(store, { superUsers: ["User:admin"], allowEveryoneIfNoAcl: false }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

export { Operation, PatternType, ResourceType };
