import { describe, expect, test } from "bun:test";
import { handleDescribeCluster } from "../../../src/engine/handlers/describe-cluster.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture, testClusterId } from "../fixtures.ts";

describe("handleDescribeCluster", () => {
  test("answers the cluster id, this broker as controller and its advertised address", async () => {
    const fixture = await engineFixture({ config: { nodeId: 2, advertisedHost: "kafka.example", advertisedPort: 19092 } });
    const response = await handleDescribeCluster({ includeClusterAuthorizedOperations: false, endpointType: 1 }, fixture.ctx(1));
    expect(response).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: 1,
      clusterId: testClusterId,
      controllerId: 2,
      brokers: [{ brokerId: 2, host: "kafka.example", port: 19092, rack: null }],
      clusterAuthorizedOperations: -2147483648,
    });
  });

  test("refuses controller endpoints (endpoint_type 2)", async () => {
    const fixture = await engineFixture();
    const response = await handleDescribeCluster({ includeClusterAuthorizedOperations: false, endpointType: 2 }, fixture.ctx(1));
    expect(response?.errorCode).toBe(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
    expect(response?.brokers).toEqual([]);
  });
});
