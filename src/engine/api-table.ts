// The APIs this broker answers, with the versions it advertises. A version is listed here only
// once real clients have exercised it (docs/protocol.md names which client did).

import type { Reader } from "../protocol/reader.ts";
import type { Writer } from "../protocol/writer.ts";
import { ApiVersions } from "../protocol/messages/api-versions.ts";
import { CreateTopics } from "../protocol/messages/create-topics.ts";
import { DeleteRecords } from "../protocol/messages/delete-records.ts";
import { DeleteTopics } from "../protocol/messages/delete-topics.ts";
import { Fetch } from "../protocol/messages/fetch.ts";
import { ListOffsets } from "../protocol/messages/list-offsets.ts";
import { Metadata } from "../protocol/messages/metadata.ts";
import { Produce } from "../protocol/messages/produce.ts";
import { ConsumerGroupDescribe } from "../protocol/messages/consumer-group-describe.ts";
import { ConsumerGroupHeartbeat } from "../protocol/messages/consumer-group-heartbeat.ts";
import { DeleteGroups } from "../protocol/messages/delete-groups.ts";
import { DescribeGroups } from "../protocol/messages/describe-groups.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";
import { Heartbeat } from "../protocol/messages/heartbeat.ts";
import { JoinGroup } from "../protocol/messages/join-group.ts";
import { LeaveGroup } from "../protocol/messages/leave-group.ts";
import { ListGroups } from "../protocol/messages/list-groups.ts";
import { OffsetCommit } from "../protocol/messages/offset-commit.ts";
import { OffsetDelete } from "../protocol/messages/offset-delete.ts";
import { OffsetFetch } from "../protocol/messages/offset-fetch.ts";
import { SyncGroup } from "../protocol/messages/sync-group.ts";
import type { AdvertisedApi, Handler } from "./handler-context.ts";
import { handleConsumerGroupDescribe } from "./handlers/consumer-group-describe.ts";
import { handleConsumerGroupHeartbeat } from "./handlers/consumer-group-heartbeat.ts";
import { handleDeleteGroups } from "./handlers/delete-groups.ts";
import { handleDescribeGroups } from "./handlers/describe-groups.ts";
import { handleFindCoordinator } from "./handlers/find-coordinator.ts";
import { handleHeartbeat } from "./handlers/heartbeat.ts";
import { handleJoinGroup } from "./handlers/join-group.ts";
import { handleLeaveGroup } from "./handlers/leave-group.ts";
import { handleListGroups } from "./handlers/list-groups.ts";
import { handleOffsetCommit } from "./handlers/offset-commit.ts";
import { handleOffsetDelete } from "./handlers/offset-delete.ts";
import { handleOffsetFetch } from "./handlers/offset-fetch.ts";
import { handleSyncGroup } from "./handlers/sync-group.ts";
import { handleApiVersions } from "./handlers/api-versions.ts";
import { handleCreateTopics } from "./handlers/create-topics.ts";
import { handleDeleteRecords } from "./handlers/delete-records.ts";
import { handleDeleteTopics } from "./handlers/delete-topics.ts";
import { handleFetch } from "./handlers/fetch.ts";
import { handleListOffsets } from "./handlers/list-offsets.ts";
import { handleMetadata } from "./handlers/metadata.ts";
import { handleProduce } from "./handlers/produce.ts";
import { AlterConfigs } from "../protocol/messages/alter-configs.ts";
import { CreatePartitions } from "../protocol/messages/create-partitions.ts";
import { DescribeCluster } from "../protocol/messages/describe-cluster.ts";
import { DescribeConfigs } from "../protocol/messages/describe-configs.ts";
import { IncrementalAlterConfigs } from "../protocol/messages/incremental-alter-configs.ts";
import { handleAlterConfigs } from "./handlers/alter-configs.ts";
import { handleCreatePartitions } from "./handlers/create-partitions.ts";
import { handleDescribeCluster } from "./handlers/describe-cluster.ts";
import { handleDescribeConfigs } from "./handlers/describe-configs.ts";
import { handleIncrementalAlterConfigs } from "./handlers/incremental-alter-configs.ts";
import { InitProducerId } from "../protocol/messages/init-producer-id.ts";
import { handleInitProducerId } from "./handlers/init-producer-id.ts";
import { AddOffsetsToTxn } from "../protocol/messages/add-offsets-to-txn.ts";
import { AddPartitionsToTxn } from "../protocol/messages/add-partitions-to-txn.ts";
import { EndTxn } from "../protocol/messages/end-txn.ts";
import { TxnOffsetCommit } from "../protocol/messages/txn-offset-commit.ts";
import { handleAddOffsetsToTxn } from "./handlers/add-offsets-to-txn.ts";
import { handleAddPartitionsToTxn } from "./handlers/add-partitions-to-txn.ts";
import { handleEndTxn } from "./handlers/end-txn.ts";
import { handleTxnOffsetCommit } from "./handlers/txn-offset-commit.ts";
import { DescribeProducers } from "../protocol/messages/describe-producers.ts";
import { DescribeTransactions } from "../protocol/messages/describe-transactions.ts";
import { ListTransactions } from "../protocol/messages/list-transactions.ts";
import { handleDescribeProducers } from "./handlers/describe-producers.ts";
import { handleDescribeTransactions } from "./handlers/describe-transactions.ts";
import { handleListTransactions } from "./handlers/list-transactions.ts";
import { SaslAuthenticate } from "../protocol/messages/sasl-authenticate.ts";
import { SaslHandshake } from "../protocol/messages/sasl-handshake.ts";
import { handleSaslAuthenticate } from "./handlers/sasl-authenticate.ts";
import { handleSaslHandshake } from "./handlers/sasl-handshake.ts";
import { AlterUserScramCredentials } from "../protocol/messages/alter-user-scram-credentials.ts";
import { DescribeUserScramCredentials } from "../protocol/messages/describe-user-scram-credentials.ts";
import { handleAlterUserScramCredentials } from "./handlers/alter-user-scram-credentials.ts";
import { handleDescribeUserScramCredentials } from "./handlers/describe-user-scram-credentials.ts";
import { CreateAcls } from "../protocol/messages/create-acls.ts";
import { DeleteAcls } from "../protocol/messages/delete-acls.ts";
import { DescribeAcls } from "../protocol/messages/describe-acls.ts";
import { handleCreateAcls } from "./handlers/create-acls.ts";
import { handleDeleteAcls } from "./handlers/delete-acls.ts";
import { handleDescribeAcls } from "./handlers/describe-acls.ts";

interface RequestCodec<Request, Response> {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  decodeRequest(reader: Reader, version: number): Request;
  encodeResponse(writer: Writer, version: number, value: Response): void;
  errorResponse(version: number, errorCode: number): Response | null;
}

/** One API: how to decode its requests, answer them, and encode the answers. */
export interface Route extends AdvertisedApi {
  name: string;
  /** Every version the codec can encode, advertised or not. */
  codecVersions: { min: number; max: number };
  decodeRequest(reader: Reader, version: number): unknown;
  encodeResponse(writer: Writer, version: number, value: unknown): void;
  /** A response of `version` carrying only a top-level error code, or null when that version has none. */
  errorResponse(version: number, errorCode: number): unknown;
  handle: Handler<unknown, unknown>;
}

function route<Request, Response>(
  codec: RequestCodec<Request, Response>,
  versions: { min: number; max: number },
  handle: Handler<Request, Response>,
): Route {
  return {
    apiKey: codec.apiKey,
    name: codec.name,
    codecVersions: { min: codec.minVersion, max: codec.maxVersion },
    minVersion: versions.min,
    maxVersion: versions.max,
    decodeRequest: codec.decodeRequest,
    encodeResponse: codec.encodeResponse as (writer: Writer, version: number, value: unknown) => void,
    errorResponse: codec.errorResponse,
    handle: handle as Handler<unknown, unknown>,
  };
}

export const routes: readonly Route[] = [
  // From v0, although v0–v2 only get UNSUPPORTED_FOR_MESSAGE_FORMAT: librdkafka up to 2.11
  // compresses with gzip, snappy or lz4 only when a broker's Produce range includes v0.
  route(Produce, { min: 0, max: 9 }, handleProduce),
  route(Fetch, { min: 4, max: 13 }, handleFetch),
  route(ListOffsets, { min: 1, max: 7 }, handleListOffsets),
  route(Metadata, { min: 0, max: 12 }, handleMetadata),
  route(ApiVersions, { min: 0, max: 3 }, handleApiVersions),
  route(CreateTopics, { min: 0, max: 7 }, handleCreateTopics),
  route(DeleteTopics, { min: 0, max: 6 }, handleDeleteTopics),
  route(DeleteRecords, { min: 0, max: 2 }, handleDeleteRecords),
  // Topic configs and partitions (docs/protocol.md).
  route(DescribeConfigs, { min: 0, max: 4 }, handleDescribeConfigs),
  route(AlterConfigs, { min: 0, max: 2 }, handleAlterConfigs),
  route(IncrementalAlterConfigs, { min: 0, max: 1 }, handleIncrementalAlterConfigs),
  route(CreatePartitions, { min: 0, max: 3 }, handleCreatePartitions),
  route(DescribeCluster, { min: 0, max: 1 }, handleDescribeCluster),
  // Groups (docs/groups.md). librdkafka enables its consumer group only when FindCoordinator,
  // JoinGroup, SyncGroup, Heartbeat and LeaveGroup include v0 and OffsetCommit overlaps 1-2.
  route(FindCoordinator, { min: 0, max: 4 }, handleFindCoordinator),
  route(JoinGroup, { min: 0, max: 9 }, handleJoinGroup),
  route(SyncGroup, { min: 0, max: 5 }, handleSyncGroup),
  route(Heartbeat, { min: 0, max: 4 }, handleHeartbeat),
  route(LeaveGroup, { min: 0, max: 5 }, handleLeaveGroup),
  route(OffsetCommit, { min: 0, max: 8 }, handleOffsetCommit),
  route(OffsetFetch, { min: 0, max: 8 }, handleOffsetFetch),
  route(DescribeGroups, { min: 0, max: 5 }, handleDescribeGroups),
  route(ListGroups, { min: 0, max: 5 }, handleListGroups),
  route(DeleteGroups, { min: 0, max: 2 }, handleDeleteGroups),
  route(OffsetDelete, { min: 0, max: 0 }, handleOffsetDelete),
  route(ConsumerGroupHeartbeat, { min: 0, max: 1 }, handleConsumerGroupHeartbeat),
  route(ConsumerGroupDescribe, { min: 0, max: 0 }, handleConsumerGroupDescribe),
  // Idempotent and transactional producers (docs/protocol.md). AddPartitionsToTxn v4+ is broker to broker.
  route(InitProducerId, { min: 0, max: 5 }, handleInitProducerId),
  route(AddPartitionsToTxn, { min: 0, max: 3 }, handleAddPartitionsToTxn),
  route(AddOffsetsToTxn, { min: 0, max: 3 }, handleAddOffsetsToTxn),
  route(EndTxn, { min: 0, max: 3 }, handleEndTxn),
  route(TxnOffsetCommit, { min: 0, max: 3 }, handleTxnOffsetCommit),
  route(DescribeProducers, { min: 0, max: 0 }, handleDescribeProducers),
  route(DescribeTransactions, { min: 0, max: 0 }, handleDescribeTransactions),
  route(ListTransactions, { min: 0, max: 1 }, handleListTransactions),
  // SASL (docs/security.md). After a v0 handshake the tokens come bare (dispatcher.ts reads them).
  route(SaslHandshake, { min: 0, max: 1 }, handleSaslHandshake),
  route(SaslAuthenticate, { min: 0, max: 2 }, handleSaslAuthenticate),
  // SCRAM users over the protocol (`chronik user` without --data).
  route(DescribeUserScramCredentials, { min: 0, max: 0 }, handleDescribeUserScramCredentials),
  route(AlterUserScramCredentials, { min: 0, max: 0 }, handleAlterUserScramCredentials),
  // ACLs (docs/security.md).
  route(CreateAcls, { min: 0, max: 3 }, handleCreateAcls),
  route(DescribeAcls, { min: 0, max: 3 }, handleDescribeAcls),
  route(DeleteAcls, { min: 0, max: 3 }, handleDeleteAcls),
];

export const routesByKey: ReadonlyMap<number, Route> = new Map(routes.map((entry) => [entry.apiKey, entry]));
