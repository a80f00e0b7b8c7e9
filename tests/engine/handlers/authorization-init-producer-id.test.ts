import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { handleInitProducerId } from "../../../src/engine/handlers/init-producer-id.ts";
import { ProducerIdAllocator } from "../../../src/engine/producer-ids.ts";
import { silentLogger } from "../../../src/logger.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { AclBinding } from "../../../src/security/acl.ts";
import { engineFixture } from "../fixtures.ts";
import { acl, Operation, PatternType, Permission, removeAclFolders, ResourceType, securedBy } from "./authorization-fixture.ts";

const allocatorDirs: string[] = [];
afterEach(() => {
  removeAclFolders();
  for (const dir of allocatorDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function allocator(): ProducerIdAllocator {
  const dir = mkdtempSync(join(tmpdir(), "chronik-authz-producer-ids-"));
  allocatorDirs.push(dir);
  return ProducerIdAllocator.open(join(dir, "producer-id-block"), silentLogger);
}

const idempotent = { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 };

async function initIdempotent(acls: AclBinding[]) {
  const fixture = await engineFixture();
  return handleInitProducerId(idempotent, fixture.ctx(4, { ...(await securedBy(acls)), producerIds: allocator() }));
}

describe("InitProducerId authorization", () => {
  test("an idempotent producer without IDEMPOTENT_WRITE on the cluster nor WRITE on any topic: CLUSTER_AUTHORIZATION_FAILED", async () => {
    expect(await initIdempotent([])).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 });
    // READ (or DESCRIBE) on topics does not count.
    expect((await initIdempotent([acl(), acl({ resourceName: "*", operation: Operation.DESCRIBE })]))!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  test("IDEMPOTENT_WRITE on the cluster gets an id", async () => {
    const response = await initIdempotent([acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.IDEMPOTENT_WRITE })]);
    expect(response).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: 0, producerEpoch: 0 });
  });

  test("WRITE on some topic (literal or prefixed) gets an id", async () => {
    expect((await initIdempotent([acl({ operation: Operation.WRITE })]))!.errorCode).toBe(ErrorCode.NONE);
    expect((await initIdempotent([acl({ resourceName: "logs-", patternType: PatternType.PREFIXED, operation: Operation.ALL })]))!.errorCode).toBe(ErrorCode.NONE);
  });

  test("a WRITE grant its own DENY cancels does not count", async () => {
    const response = await initIdempotent([acl({ operation: Operation.WRITE }), acl({ operation: Operation.WRITE, permission: Permission.DENY })]);
    expect(response!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  test("a transactional id without WRITE on it: TRANSACTIONAL_ID_AUTHORIZATION_FAILED, even with IDEMPOTENT_WRITE", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([
      acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.IDEMPOTENT_WRITE }),
      acl({ resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: "txn-1", operation: Operation.DESCRIBE }),
    ]);
    const response = await handleInitProducerId({ transactionalId: "txn-1", transactionTimeoutMs: 60_000 }, fixture.ctx(4, { ...secured, producerIds: allocator() }));
    expect(response).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 });
  });
});
