// DescribeCluster: the cluster id, the controller and the brokers (this one), as the admin
// clients of Kafka 2.8+ ask instead of Metadata.
//
// DescribeCluster Request (Version: 1) => include_cluster_authorized_operations endpoint_type _tagged_fields
// DescribeCluster Response (Version: 1) => throttle_time_ms error_code error_message endpoint_type cluster_id
//                                          controller_id [brokers] cluster_authorized_operations _tagged_fields
//   brokers => broker_id host port rack _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { DescribeClusterRequest, DescribeClusterResponse } from "../../protocol/messages/describe-cluster.ts";
import { advertisedAddress, type Handler } from "../handler-context.ts";

/** endpoint_type 1: brokers (2, controllers, is for KRaft controller quorums, which chronik has not). */
const brokerEndpointType = 1;
/** "Not asked for" in the authorized-operations fields. */
const operationsOmitted = -2147483648;

export const handleDescribeCluster: Handler<DescribeClusterRequest, DescribeClusterResponse> = async (request, ctx) => {
  const endpointType = request.endpointType ?? brokerEndpointType;
  const base = { throttleTimeMs: 0, endpointType, clusterId: ctx.clusterId, clusterAuthorizedOperations: operationsOmitted };
  if (endpointType !== brokerEndpointType) {
    return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `Endpoint type ${endpointType} is not served: only brokers (1)`, controllerId: -1, brokers: [] };
  }
  return {
    ...base,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    controllerId: ctx.config.nodeId,
    brokers: [{ brokerId: ctx.config.nodeId, ...advertisedAddress(ctx), rack: null }],
  };
};
