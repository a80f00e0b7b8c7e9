import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { handleInitProducerId } from "../../../src/engine/handlers/init-producer-id.ts";
import { ProducerIdAllocator } from "../../../src/engine/producer-ids.ts";
import { silentLogger } from "../../../src/logger.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";

describe("handleInitProducerId", () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const allocator = () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-init-producer-"));
    return ProducerIdAllocator.open(path.join(dir, "producer-id-block"), silentLogger);
  };

  test("every call gets a new producer id at epoch 0, also when it names its old id and epoch", async () => {
    const fixture = await engineFixture();
    const ctx = fixture.ctx(4, { producerIds: allocator() });
    const first = await handleInitProducerId({ transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 }, ctx);
    const again = await handleInitProducerId({ transactionalId: null, transactionTimeoutMs: 60_000, producerId: first!.producerId, producerEpoch: 0 }, ctx);
    expect(first).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: 0, producerEpoch: 0 });
    expect(again).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: 1, producerEpoch: 0 });
  });

  test("without a transaction coordinator a transactional id, and without an allocator any call, gets COORDINATOR_NOT_AVAILABLE", async () => {
    const fixture = await engineFixture();
    const transactional = await handleInitProducerId({ transactionalId: "txn-1", transactionTimeoutMs: 60_000 }, fixture.ctx(1, { producerIds: allocator() }));
    expect(transactional).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 });
    const noAllocator = await handleInitProducerId({ transactionalId: null, transactionTimeoutMs: 60_000 }, fixture.ctx(1));
    expect(noAllocator).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1 });
  });
});
