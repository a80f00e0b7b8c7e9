import { afterEach, describe, expect, test } from "bun:test";
import { handleDeleteGroups } from "../../../src/engine/handlers/delete-groups.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture, recordingLogger } from "../fixtures.ts";
import { type GroupFixture, groupFixture } from "../groups/group-fixture.ts";
import { failGroupLogWrites, stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

const simpleCommit = { memberId: "", groupInstanceId: null, generationId: -1 };

async function withGroups(): Promise<GroupFixture> {
  fixture = await groupFixture();
  await fixture.topics.create("orders", 1);
  for (const groupId of ["empty-1", "empty-2"]) {
    expect(await fixture.coordinator.commitOffsets(groupId, simpleCommit, [{ topic: "orders", partition: 0, offset: 3, leaderEpoch: -1, metadata: null }])).toBe(ErrorCode.NONE);
  }
  await stableGroup(fixture, "busy");
  return fixture;
}

describe("DeleteGroups", () => {
  test("each group gets its own answer, in request order: Empty groups go with their offsets, others are refused", async () => {
    const fixture = await withGroups();
    const response = await handleDeleteGroups({ groupsNames: ["empty-1", "busy", "absent", "", "empty-2"] }, fixture.ctx(2));
    expect(response).toEqual({
      throttleTimeMs: 0,
      results: [
        { groupId: "empty-1", errorCode: ErrorCode.NONE },
        { groupId: "busy", errorCode: ErrorCode.NON_EMPTY_GROUP },
        { groupId: "absent", errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
        { groupId: "", errorCode: ErrorCode.INVALID_GROUP_ID },
        { groupId: "empty-2", errorCode: ErrorCode.NONE },
      ],
    });
    expect(fixture.coordinator.list().map((group) => group.groupId)).toEqual(["busy"]);
    expect(fixture.coordinator.offsets.get("empty-1", "orders", 0)).toBeUndefined();
    // Deleted durably: a restarted coordinator does not bring them back.
    const reopened = await fixture.reopen();
    expect(reopened.get("empty-1")).toBeUndefined();
    expect(reopened.offsets.get("empty-2", "orders", 0)).toBeUndefined();
    reopened.close();
  });

  test("a group deleted twice is GROUP_ID_NOT_FOUND the second time", async () => {
    const fixture = await withGroups();
    expect((await handleDeleteGroups({ groupsNames: ["empty-1"] }, fixture.ctx(0)))!.results).toEqual([{ groupId: "empty-1", errorCode: ErrorCode.NONE }]);
    expect((await handleDeleteGroups({ groupsNames: ["empty-1"] }, fixture.ctx(0)))!.results).toEqual([{ groupId: "empty-1", errorCode: ErrorCode.GROUP_ID_NOT_FOUND }]);
  });

  test("without a coordinator every group is COORDINATOR_NOT_AVAILABLE", async () => {
    const engine = await engineFixture();
    expect((await handleDeleteGroups({ groupsNames: ["a", "b"] }, engine.ctx(2)))!.results).toEqual([
      { groupId: "a", errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE },
      { groupId: "b", errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE },
    ]);
  });

  test("when the tombstones cannot be written: COORDINATOR_NOT_AVAILABLE, logged, and the group stays", async () => {
    const fixture = await withGroups();
    failGroupLogWrites(fixture);
    const logger = recordingLogger();
    expect((await handleDeleteGroups({ groupsNames: ["empty-1"] }, fixture.ctx(2, { logger })))!.results).toEqual([{ groupId: "empty-1", errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }]);
    expect(fixture.coordinator.get("empty-1")).toBeDefined();
    expect(fixture.coordinator.offsets.get("empty-1", "orders", 0)?.offset).toBe(3);
    expect(logger.lines.some((line) => line.startsWith("error Cannot delete group"))).toBe(true);
  });
});
