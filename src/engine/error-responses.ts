// The answer to a request whose handler failed unexpectedly: every part of it carries the same
// error code (UNKNOWN_SERVER_ERROR), as Kafka's AbstractRequest.getErrorResponse does. The
// generated `errorResponse` covers responses with a top-level error code; the APIs below have
// none (in some or all versions), so their answer repeats the error for each topic, partition,
// resource or group the request named.

import type { AlterConfigsRequest, AlterConfigsResponse } from "../protocol/messages/alter-configs.ts";
import type { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse } from "../protocol/messages/consumer-group-describe.ts";
import type { CreatePartitionsRequest, CreatePartitionsResponse } from "../protocol/messages/create-partitions.ts";
import type { CreateTopicsRequest, CreateTopicsResponse } from "../protocol/messages/create-topics.ts";
import type { DeleteGroupsRequest, DeleteGroupsResponse } from "../protocol/messages/delete-groups.ts";
import type { DeleteRecordsRequest, DeleteRecordsResponse } from "../protocol/messages/delete-records.ts";
import type { DeleteTopicsRequest, DeleteTopicsResponse } from "../protocol/messages/delete-topics.ts";
import type { DescribeConfigsRequest, DescribeConfigsResponse } from "../protocol/messages/describe-configs.ts";
import type { DescribeGroupsRequest, DescribeGroupsResponse } from "../protocol/messages/describe-groups.ts";
import type { FetchRequest, FetchResponse } from "../protocol/messages/fetch.ts";
import type { FindCoordinatorRequest, FindCoordinatorResponse } from "../protocol/messages/find-coordinator.ts";
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from "../protocol/messages/incremental-alter-configs.ts";
import type { ListOffsetsRequest, ListOffsetsResponse } from "../protocol/messages/list-offsets.ts";
import type { MetadataRequest, MetadataResponse } from "../protocol/messages/metadata.ts";
import type { OffsetCommitRequest, OffsetCommitResponse } from "../protocol/messages/offset-commit.ts";
import type { OffsetFetchRequest, OffsetFetchResponse } from "../protocol/messages/offset-fetch.ts";
import type { ProduceRequest, ProduceResponse } from "../protocol/messages/produce.ts";
import { AlterConfigs } from "../protocol/messages/alter-configs.ts";
import { ConsumerGroupDescribe } from "../protocol/messages/consumer-group-describe.ts";
import { CreatePartitions } from "../protocol/messages/create-partitions.ts";
import { CreateTopics } from "../protocol/messages/create-topics.ts";
import { DeleteGroups } from "../protocol/messages/delete-groups.ts";
import { DeleteRecords } from "../protocol/messages/delete-records.ts";
import { DeleteTopics } from "../protocol/messages/delete-topics.ts";
import { DescribeConfigs } from "../protocol/messages/describe-configs.ts";
import { DescribeGroups } from "../protocol/messages/describe-groups.ts";
import { Fetch } from "../protocol/messages/fetch.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";
import { IncrementalAlterConfigs } from "../protocol/messages/incremental-alter-configs.ts";
import { ListOffsets } from "../protocol/messages/list-offsets.ts";
import { Metadata } from "../protocol/messages/metadata.ts";
import { OffsetCommit } from "../protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../protocol/messages/offset-fetch.ts";
import { Produce } from "../protocol/messages/produce.ts";
import { AddPartitionsToTxn, type AddPartitionsToTxnRequest, type AddPartitionsToTxnResponse } from "../protocol/messages/add-partitions-to-txn.ts";
import { TxnOffsetCommit, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse } from "../protocol/messages/txn-offset-commit.ts";
import { DescribeProducers, type DescribeProducersRequest, type DescribeProducersResponse } from "../protocol/messages/describe-producers.ts";
import { DescribeTransactions, type DescribeTransactionsRequest, type DescribeTransactionsResponse } from "../protocol/messages/describe-transactions.ts";
import { AlterUserScramCredentials, type AlterUserScramCredentialsRequest, type AlterUserScramCredentialsResponse } from "../protocol/messages/alter-user-scram-credentials.ts";
import { CreateAcls, type CreateAclsRequest, type CreateAclsResponse } from "../protocol/messages/create-acls.ts";
import { DeleteAcls, type DeleteAclsRequest, type DeleteAclsResponse } from "../protocol/messages/delete-acls.ts";
import { zeroTopicId } from "./topic-lookup.ts";

/** What a client is told about the failure, where the response has room for a message. */
const failureMessage = "The broker failed unexpectedly while handling this request";

type ErrorAnswer<Request, Response> = (request: Request, errorCode: number, version: number) => Response;

const produce: ErrorAnswer<ProduceRequest, ProduceResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  responses: request.topicData.map((topic) => ({
    name: topic.name,
    partitionResponses: topic.partitionData.map((partition) => ({ index: partition.index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: failureMessage })),
  })),
});

const fetch: ErrorAnswer<FetchRequest, FetchResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  sessionId: 0,
  responses: request.topics.map((topic) => ({
    topic: topic.topic,
    topicId: topic.topicId,
    partitions: topic.partitions.map((partition) => ({
      partitionIndex: partition.partition,
      errorCode,
      highWatermark: -1,
      lastStableOffset: -1,
      logStartOffset: -1,
      abortedTransactions: null,
      preferredReadReplica: -1,
      // librdkafka rejects a null record set.
      records: new Uint8Array(0),
    })),
  })),
});

const listOffsets: ErrorAnswer<ListOffsetsRequest, ListOffsetsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 })),
  })),
});

const metadata: ErrorAnswer<MetadataRequest, MetadataResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  brokers: [],
  clusterId: null,
  controllerId: -1,
  topics: (request.topics ?? []).map((topic) => ({ errorCode, name: topic.name ?? null, topicId: topic.topicId ?? zeroTopicId, isInternal: false, partitions: [] })),
});

const createTopics: ErrorAnswer<CreateTopicsRequest, CreateTopicsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({ name: topic.name, topicId: zeroTopicId, errorCode, errorMessage: failureMessage, numPartitions: -1, replicationFactor: -1, configs: null })),
});

const deleteTopics: ErrorAnswer<DeleteTopicsRequest, DeleteTopicsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  responses: [
    ...(request.topicNames ?? []).map((name) => ({ name, topicId: zeroTopicId, errorCode, errorMessage: failureMessage })),
    ...(request.topics ?? []).map((topic) => ({ name: topic.name ?? null, topicId: topic.topicId, errorCode, errorMessage: failureMessage })),
  ],
});

const deleteRecords: ErrorAnswer<DeleteRecordsRequest, DeleteRecordsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, lowWatermark: -1, errorCode })),
  })),
});

const describeConfigs: ErrorAnswer<DescribeConfigsRequest, DescribeConfigsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  results: request.resources.map((resource) => ({ errorCode, errorMessage: failureMessage, resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [] })),
});

/** AlterConfigs and IncrementalAlterConfigs answer alike: one error per resource. */
const alterConfigs: ErrorAnswer<AlterConfigsRequest | IncrementalAlterConfigsRequest, AlterConfigsResponse & IncrementalAlterConfigsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  responses: request.resources.map((resource) => ({ errorCode, errorMessage: failureMessage, resourceType: resource.resourceType, resourceName: resource.resourceName })),
});

const createPartitions: ErrorAnswer<CreatePartitionsRequest, CreatePartitionsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  results: request.topics.map((topic) => ({ name: topic.name, errorCode, errorMessage: failureMessage })),
});

/** Only v4 lacks a top-level error code: it answers per coordinator key. */
const findCoordinator: ErrorAnswer<FindCoordinatorRequest, FindCoordinatorResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  coordinators: (request.coordinatorKeys ?? []).map((key) => ({ key, nodeId: -1, host: "", port: -1, errorCode, errorMessage: failureMessage })),
});

const offsetCommit: ErrorAnswer<OffsetCommitRequest, OffsetCommitResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode })),
  })),
});

/** v0 and v1 answer per partition; v8 per group (v2 to v7 have a top-level error code). */
const offsetFetch: ErrorAnswer<OffsetFetchRequest, OffsetFetchResponse> = (request, errorCode, version) => {
  const topicsOf = (topics: Array<{ name: string; partitionIndexes: number[] }> | null | undefined) =>
    (topics ?? []).map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, metadata: null, errorCode })),
    }));
  if (version >= 8) {
    return { throttleTimeMs: 0, groups: (request.groups ?? []).map((group) => ({ groupId: group.groupId, topics: topicsOf(group.topics), errorCode })) };
  }
  return { topics: topicsOf(request.topics) };
};

const describeGroups: ErrorAnswer<DescribeGroupsRequest, DescribeGroupsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  groups: (request.groups ?? []).map((groupId) => ({ errorCode, groupId, groupState: "", protocolType: "", protocolData: "", members: [] })),
});

const deleteGroups: ErrorAnswer<DeleteGroupsRequest, DeleteGroupsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  results: request.groupsNames.map((groupId) => ({ groupId, errorCode })),
});

const consumerGroupDescribe: ErrorAnswer<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  groups: request.groupIds.map((groupId) => ({ errorCode, errorMessage: failureMessage, groupId, groupState: "", groupEpoch: -1, assignmentEpoch: -1, assignorName: "", members: [] })),
});

const addPartitionsToTxn: ErrorAnswer<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  resultsByTopicV3AndBelow: (request.v3AndBelowTopics ?? []).map((topic) => ({
    name: topic.name,
    resultsByPartition: topic.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: errorCode })),
  })),
});

const txnOffsetCommit: ErrorAnswer<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.map(({ partitionIndex }) => ({ partitionIndex, errorCode })) })),
});

const describeTransactions: ErrorAnswer<DescribeTransactionsRequest, DescribeTransactionsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  transactionStates: request.transactionalIds.map((transactionalId) => ({
    errorCode, transactionalId, transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [],
  })),
});

const describeProducers: ErrorAnswer<DescribeProducersRequest, DescribeProducersResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode, errorMessage: failureMessage, activeProducers: [] })),
  })),
});

/** Each user once, sorted, as Kafka's AlterUserScramCredentialsRequest.getErrorResponse. */
const alterUserScramCredentials: ErrorAnswer<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  results: [...new Set([...request.deletions, ...request.upsertions].map(({ name }) => name))].sort().map((user) => ({ user, errorCode, errorMessage: failureMessage })),
});

/** One result per creation, as Kafka's CreateAclsRequest.getErrorResponse. */
const createAcls: ErrorAnswer<CreateAclsRequest, CreateAclsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  results: request.creations.map(() => ({ errorCode, errorMessage: failureMessage })),
});

/** One result per filter, nothing deleted. */
const deleteAcls: ErrorAnswer<DeleteAclsRequest, DeleteAclsResponse> = (request, errorCode) => ({
  throttleTimeMs: 0,
  filterResults: request.filters.map(() => ({ errorCode, errorMessage: failureMessage, matchingAcls: [] })),
});

const answers = new Map<number, ErrorAnswer<never, unknown>>([
  [CreateAcls.apiKey, createAcls],
  [DeleteAcls.apiKey, deleteAcls],
  [AlterUserScramCredentials.apiKey, alterUserScramCredentials],
  [DescribeTransactions.apiKey, describeTransactions],
  [DescribeProducers.apiKey, describeProducers],
  [AddPartitionsToTxn.apiKey, addPartitionsToTxn],
  [TxnOffsetCommit.apiKey, txnOffsetCommit],
  [Produce.apiKey, produce],
  [Fetch.apiKey, fetch],
  [ListOffsets.apiKey, listOffsets],
  [Metadata.apiKey, metadata],
  [CreateTopics.apiKey, createTopics],
  [DeleteTopics.apiKey, deleteTopics],
  [DeleteRecords.apiKey, deleteRecords],
  [DescribeConfigs.apiKey, describeConfigs],
  [AlterConfigs.apiKey, alterConfigs],
  [IncrementalAlterConfigs.apiKey, alterConfigs],
  [CreatePartitions.apiKey, createPartitions],
  [FindCoordinator.apiKey, findCoordinator],
  [OffsetCommit.apiKey, offsetCommit],
  [OffsetFetch.apiKey, offsetFetch],
  [DescribeGroups.apiKey, describeGroups],
  [DeleteGroups.apiKey, deleteGroups],
  [ConsumerGroupDescribe.apiKey, consumerGroupDescribe],
]);

/**
 * The response to `request` that reports `errorCode` in every part: the generated top-level
 * error response when the version has one, else the per-item answer above; null when the API
 * has neither (it then cannot be answered honestly).
 */
export function failedRequestResponse(
  route: { apiKey: number; errorResponse(version: number, errorCode: number): unknown },
  version: number,
  request: unknown,
  errorCode: number,
): unknown {
  const topLevel = route.errorResponse(version, errorCode);
  if (topLevel !== null) return topLevel;
  const answer = answers.get(route.apiKey) as ErrorAnswer<unknown, unknown> | undefined;
  return answer ? answer(request, errorCode, version) : null;
}
