import { describe, expect, test } from "bun:test";
import { CoordinatorKeyType, handleFindCoordinator } from "../../../src/engine/handlers/find-coordinator.ts";
import type { GroupCoordinator } from "../../../src/engine/groups/group-coordinator.ts";
import type { TransactionCoordinator } from "../../../src/engine/transactions/transaction-coordinator.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";

// FindCoordinator only asks whether this broker runs each coordinator, so a stand-in object
// says "running" here; the coordinators themselves are tested in tests/engine/groups and transactions.
const running = { groups: {} as GroupCoordinator, transactions: {} as TransactionCoordinator };
const config = { nodeId: 3, advertisedHost: "broker.example", advertisedPort: 19092 };

describe("FindCoordinator", () => {
  test("v0-3: one group key, answered at the top level with this broker's advertised address", async () => {
    const engine = await engineFixture({ config });
    for (const version of [0, 1, 2, 3]) {
      // v0 has no key type: a group is meant.
      const response = await handleFindCoordinator({ key: "billing", keyType: version === 0 ? undefined : CoordinatorKeyType.group }, engine.ctx(version, running));
      expect(response).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, nodeId: 3, host: "broker.example", port: 19092 });
    }
  });

  test("v4+: a batch of keys, one coordinator each, with the listener's advertised address when the connection has one", async () => {
    const engine = await engineFixture({ config });
    const response = await handleFindCoordinator(
      { keyType: CoordinatorKeyType.group, coordinatorKeys: ["a", "", "b"] },
      engine.ctx(4, { ...running, advertised: { host: "internal.example", port: 29092 } }),
    );
    expect(response).toEqual({
      throttleTimeMs: 0,
      coordinators: [
        { key: "a", nodeId: 3, host: "internal.example", port: 29092, errorCode: ErrorCode.NONE, errorMessage: null },
        { key: "", nodeId: -1, host: "", port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Group id is empty" },
        { key: "b", nodeId: 3, host: "internal.example", port: 29092, errorCode: ErrorCode.NONE, errorMessage: null },
      ],
    });
    expect((await handleFindCoordinator({ keyType: CoordinatorKeyType.group }, engine.ctx(4, running)))!.coordinators).toEqual([]);
  });

  test("transactional ids: found when the transaction coordinator runs; an empty id is INVALID_REQUEST", async () => {
    const engine = await engineFixture({ config });
    const response = await handleFindCoordinator({ keyType: CoordinatorKeyType.transaction, coordinatorKeys: ["tx-1", ""] }, engine.ctx(4, running));
    expect(response!.coordinators!.map((found) => [found.key, found.nodeId, found.errorCode])).toEqual([
      ["tx-1", 3, ErrorCode.NONE],
      ["", -1, ErrorCode.INVALID_REQUEST],
    ]);
  });

  test("without the coordinator asked for: COORDINATOR_NOT_AVAILABLE with a message", async () => {
    const engine = await engineFixture({ config });
    const group = await handleFindCoordinator({ key: "billing", keyType: CoordinatorKeyType.group }, engine.ctx(3, { transactions: running.transactions }));
    expect(group).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: "The group coordinator is not running", nodeId: -1, host: "", port: -1 });
    const transaction = await handleFindCoordinator({ keyType: CoordinatorKeyType.transaction, coordinatorKeys: ["tx-1"] }, engine.ctx(4, { groups: running.groups }));
    expect(transaction!.coordinators).toEqual([
      { key: "tx-1", nodeId: -1, host: "", port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: "The transaction coordinator is not running" },
    ]);
  });

  test("an unknown key type is INVALID_REQUEST", async () => {
    const engine = await engineFixture({ config });
    const response = await handleFindCoordinator({ key: "x", keyType: 2 }, engine.ctx(3, running));
    expect(response).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Key type 2 is not known", nodeId: -1 });
  });
});
