import { afterEach, describe, expect, test } from "bun:test";
import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { handleListGroups } from "../../../src/engine/handlers/list-groups.ts";
import { handleOffsetCommit } from "../../../src/engine/handlers/offset-commit.ts";
import { handleOffsetFetch } from "../../../src/engine/handlers/offset-fetch.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { JoinGroupRequest } from "../../../src/protocol/messages/join-group.ts";
import type { OffsetCommitRequest } from "../../../src/protocol/messages/offset-commit.ts";
import { type GroupFixture, groupFixture } from "../groups/group-fixture.ts";
import { acl, Operation, PatternType, Permission, removeAclFolders, ResourceType, securedBy } from "./authorization-fixture.ts";

afterEach(removeAclFolders);

const readGroup = (groupId: string) => acl({ resourceType: ResourceType.GROUP, resourceName: groupId });

function joinRequest(groupId: string): JoinGroupRequest {
  return { groupId, sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array([1]) }], reason: null };
}

/** A commit outside any generation (a simple consumer), which Kafka accepts for an empty group. */
function commitRequest(groupId: string, topics: Array<[string, number[]]>): OffsetCommitRequest {
  return {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: "",
    groupInstanceId: null,
    topics: topics.map(([name, partitions]) => ({ name, partitions: partitions.map((partitionIndex) => ({ partitionIndex, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null })) })),
  };
}

function commitCodes(response: Awaited<ReturnType<typeof handleOffsetCommit>>): Array<[string, number, number]> {
  return response!.topics.flatMap((topic) => topic.partitions.map((partition): [string, number, number] => [topic.name, partition.partitionIndex, partition.errorCode]));
}

async function withOffsets(): Promise<GroupFixture> {
  const fixture = await groupFixture();
  await fixture.topics.create("orders", 2);
  await fixture.topics.create("payments", 1);
  // No authorizer: every commit is allowed.
  for (const groupId of ["billing", "audit", "reports"]) {
    const response = await handleOffsetCommit(commitRequest(groupId, [["orders", [0, 1]], ["payments", [0]]]), fixture.ctx(8));
    expect(commitCodes(response).every(([, , code]) => code === ErrorCode.NONE)).toBe(true);
  }
  return fixture;
}

describe("JoinGroup authorization", () => {
  test("without READ on the group: GROUP_AUTHORIZATION_FAILED and no group is made", async () => {
    const fixture = await groupFixture();
    // DESCRIBE on the group does not let a member join.
    const secured = await securedBy([acl({ resourceType: ResourceType.GROUP, resourceName: "billing", operation: Operation.DESCRIBE }), readGroup("other")]);
    const response = await handleJoinGroup(joinRequest("billing"), fixture.ctx(9, secured));
    expect(response).toMatchObject({ errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, members: [] });
    expect(fixture.coordinator.list().map((group) => group.groupId)).toEqual([]);
  });

  test("with READ on the group (here by prefix) the join goes on", async () => {
    const fixture = await groupFixture();
    const secured = await securedBy([acl({ resourceType: ResourceType.GROUP, resourceName: "bill", patternType: PatternType.PREFIXED })]);
    // v4+ answers a first join with MEMBER_ID_REQUIRED, which means the group check passed.
    const response = await handleJoinGroup(joinRequest("billing"), fixture.ctx(9, secured));
    expect(response!.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  });
});

describe("OffsetCommit authorization", () => {
  test("without READ on the group every partition answers GROUP_AUTHORIZATION_FAILED and nothing is committed", async () => {
    const fixture = await groupFixture();
    await fixture.topics.create("orders", 2);
    const secured = await securedBy([acl({ operation: Operation.ALL })]);
    const response = await handleOffsetCommit(commitRequest("billing", [["orders", [0, 1]]]), fixture.ctx(8, secured));
    expect(commitCodes(response)).toEqual([
      ["orders", 0, ErrorCode.GROUP_AUTHORIZATION_FAILED],
      ["orders", 1, ErrorCode.GROUP_AUTHORIZATION_FAILED],
    ]);
    expect(fixture.coordinator.offsets.get("billing", "orders", 0)).toBeUndefined();
  });

  test("a topic without READ answers TOPIC_AUTHORIZATION_FAILED on its partitions; the readable topic is committed", async () => {
    const fixture = await groupFixture();
    await fixture.topics.create("orders", 2);
    await fixture.topics.create("payments", 1);
    // WRITE on payments does not let a consumer commit its offsets.
    const secured = await securedBy([readGroup("billing"), acl(), acl({ resourceName: "payments", operation: Operation.WRITE })]);
    const response = await handleOffsetCommit(commitRequest("billing", [["orders", [0, 1]], ["payments", [0]]]), fixture.ctx(8, secured));
    expect(commitCodes(response)).toEqual([
      ["orders", 0, ErrorCode.NONE],
      ["orders", 1, ErrorCode.NONE],
      ["payments", 0, ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
    expect(fixture.coordinator.offsets.get("billing", "orders", 1)?.offset).toBe(5);
    expect(fixture.coordinator.offsets.get("billing", "payments", 0)).toBeUndefined();
  });
});

describe("OffsetFetch authorization", () => {
  test("without DESCRIBE on the group: GROUP_AUTHORIZATION_FAILED (v8 per group, v2-7 at the top)", async () => {
    const fixture = await withOffsets();
    const secured = await securedBy([acl({ resourceName: "*", operation: Operation.ALL }), readGroup("billing")]);
    const v8 = await handleOffsetFetch({ groups: [{ groupId: "audit", topics: null }, { groupId: "billing", topics: null }], requireStable: false }, fixture.ctx(8, secured));
    expect(v8!.groups!.map((group) => [group.groupId, group.errorCode, group.topics.length])).toEqual([
      ["audit", ErrorCode.GROUP_AUTHORIZATION_FAILED, 0],
      ["billing", ErrorCode.NONE, 2],
    ]);
    const v7 = await handleOffsetFetch({ groupId: "audit", topics: [{ name: "orders", partitionIndexes: [0] }] }, fixture.ctx(7, secured));
    expect(v7!.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  });

  test("all of a group's offsets leave out the topics the principal may not describe", async () => {
    const fixture = await withOffsets();
    const secured = await securedBy([readGroup("billing"), acl()]);
    const response = await handleOffsetFetch({ groups: [{ groupId: "billing", topics: null }], requireStable: false }, fixture.ctx(8, secured));
    const [billing] = response!.groups!;
    expect(billing.errorCode).toBe(ErrorCode.NONE);
    expect(billing.topics.map((topic) => [topic.name, topic.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([
      [
        "orders",
        [
          [0, 5],
          [1, 5],
        ],
      ],
    ]);
  });

  test("a named topic the principal may not describe answers TOPIC_AUTHORIZATION_FAILED and no offset", async () => {
    const fixture = await withOffsets();
    const secured = await securedBy([readGroup("billing"), acl()]);
    const response = await handleOffsetFetch(
      { groups: [{ groupId: "billing", topics: [{ name: "orders", partitionIndexes: [0] }, { name: "payments", partitionIndexes: [0] }] }], requireStable: false },
      fixture.ctx(8, secured),
    );
    expect(response!.groups![0].topics.map((topic) => [topic.name, topic.partitions[0].committedOffset, topic.partitions[0].errorCode])).toEqual([
      ["orders", 5, ErrorCode.NONE],
      ["payments", -1, ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
  });
});

describe("ListGroups authorization", () => {
  test("lists only the groups the principal may describe", async () => {
    const fixture = await withOffsets();
    const secured = await securedBy([readGroup("billing"), acl({ resourceType: ResourceType.GROUP, resourceName: "rep", patternType: PatternType.PREFIXED, operation: Operation.DESCRIBE })]);
    const response = await handleListGroups({ statesFilter: [], typesFilter: [] }, fixture.ctx(5, secured));
    expect(response!.errorCode).toBe(ErrorCode.NONE);
    expect(response!.groups.map((group) => group.groupId)).toEqual(["billing", "reports"]);
  });

  test("DESCRIBE on the cluster lists every group, even one denied", async () => {
    const fixture = await withOffsets();
    const secured = await securedBy([
      acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.DESCRIBE }),
      acl({ resourceType: ResourceType.GROUP, resourceName: "audit", operation: Operation.DESCRIBE, permission: Permission.DENY }),
    ]);
    const response = await handleListGroups({ statesFilter: [], typesFilter: [] }, fixture.ctx(5, secured));
    expect(response!.groups.map((group) => group.groupId)).toEqual(["audit", "billing", "reports"]);
  });

  test("no ACL: no group listed", async () => {
    const fixture = await withOffsets();
    const response = await handleListGroups({ statesFilter: [], typesFilter: [] }, fixture.ctx(5, await securedBy([])));
    expect(response).toMatchObject({ errorCode: ErrorCode.NONE, groups: [] });
  });
});
