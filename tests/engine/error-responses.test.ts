import { describe, expect, test } from "bun:test";
import { routes } from "../../src/engine/api-table.ts";
import { failedRequestResponse } from "../../src/engine/error-responses.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { Writer } from "../../src/protocol/writer.ts";

const topics = [{ name: "orders", partitions: [{ partitionIndex: 0, partition: 0, index: 0, timestamp: -1, fetchOffset: 0, partitionMaxBytes: 1, committedOffset: 0, offset: 0 }] }];

/** One request per API, naming a topic, partition, resource or group wherever the API has room for one. */
const sampleRequest = {
  transactionalId: null,
  acks: 1,
  timeoutMs: 1000,
  topicData: [{ name: "orders", partitionData: [{ index: 0, records: null }] }],
  maxWaitMs: 0,
  minBytes: 1,
  replicaId: -1,
  topics: topics.map((topic) => ({ ...topic, topic: "orders", topicId: "0".repeat(32), count: 2, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [], partitionIndexes: [0] })),
  topicNames: ["orders"],
  v3AndBelowTopics: [{ name: "orders", partitions: [0] }],
  transactionalIds: ["tx"],
  resources: [{ resourceType: 2, resourceName: "orders", configs: [], configurationKeys: null }],
  validateOnly: false,
  key: "group",
  coordinatorKeys: ["group"],
  groupId: "group",
  groups: ["group"],
  groupsNames: ["group"],
  groupIds: ["group"],
  includeAuthorizedOperations: false,
  deletions: [{ name: "alice", mechanism: 2 }],
  upsertions: [],
  creations: [{ resourceType: 2, resourceName: "orders", resourcePatternType: 3, principal: "User:alice", host: "*", operation: 3, permissionType: 3 }],
  filters: [{ resourceTypeFilter: 2, resourceNameFilter: "orders", patternTypeFilter: 3, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }],
};

/** Every error code anywhere in a decoded response. */
function errorCodes(value: unknown): number[] {
  if (Array.isArray(value)) return value.flatMap(errorCodes);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return [];
  return Object.entries(value).flatMap(([key, inner]) => ((key === "errorCode" || key === "partitionErrorCode") && typeof inner === "number" ? [inner] : errorCodes(inner)));
}

describe("failedRequestResponse", () => {
  for (const route of routes.filter((entry) => entry.name !== "ApiVersions")) {
    test(`${route.name}: every advertised version encodes an answer that carries UNKNOWN_SERVER_ERROR`, () => {
      for (let version = route.minVersion; version <= route.maxVersion; version++) {
        const response = failedRequestResponse(route, version, sampleRequest, ErrorCode.UNKNOWN_SERVER_ERROR);
        expect(response).not.toBeNull();
        const writer = new Writer();
        route.encodeResponse(writer, version, response);
        expect(writer.finish().length).toBeGreaterThan(0);
        const codes = errorCodes(response);
        expect(codes.length).toBeGreaterThan(0);
        expect(codes.every((code) => code === ErrorCode.UNKNOWN_SERVER_ERROR)).toBe(true);
      }
    });
  }
});
