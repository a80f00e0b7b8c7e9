// The versions of each API this client's code knows how to fill in and read, and the choice
// of version for one broker: the highest version both sides support. Lower bounds are where
// the client's assumptions start to hold (RecordBatch v2 needs Produce 3 and Fetch 4; a null
// Metadata topic list means "all topics" from version 1 on).

import { ConsumerGroupHeartbeat } from "../protocol/messages/consumer-group-heartbeat.ts";
import { CreatePartitions } from "../protocol/messages/create-partitions.ts";
import { DescribeCluster } from "../protocol/messages/describe-cluster.ts";
import { DescribeProducers } from "../protocol/messages/describe-producers.ts";
import { DescribeTransactions } from "../protocol/messages/describe-transactions.ts";
import { ListTransactions } from "../protocol/messages/list-transactions.ts";
import { DescribeConfigs } from "../protocol/messages/describe-configs.ts";
import { IncrementalAlterConfigs } from "../protocol/messages/incremental-alter-configs.ts";
import type { Reader } from "../protocol/reader.ts";
import type { Writer } from "../protocol/writer.ts";
import { ApiVersions, type ApiVersionsResponseApiVersion } from "../protocol/messages/api-versions.ts";
import { CreateTopics } from "../protocol/messages/create-topics.ts";
import { DeleteTopics } from "../protocol/messages/delete-topics.ts";
import { Fetch } from "../protocol/messages/fetch.ts";
import { ListOffsets } from "../protocol/messages/list-offsets.ts";
import { Metadata } from "../protocol/messages/metadata.ts";
import { Produce } from "../protocol/messages/produce.ts";
import { DeleteGroups } from "../protocol/messages/delete-groups.ts";
import { DescribeGroups } from "../protocol/messages/describe-groups.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";
import { Heartbeat } from "../protocol/messages/heartbeat.ts";
import { JoinGroup } from "../protocol/messages/join-group.ts";
import { LeaveGroup } from "../protocol/messages/leave-group.ts";
import { ListGroups } from "../protocol/messages/list-groups.ts";
import { OffsetCommit } from "../protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../protocol/messages/offset-fetch.ts";
import { SyncGroup } from "../protocol/messages/sync-group.ts";
import { SaslAuthenticate } from "../protocol/messages/sasl-authenticate.ts";
import { SaslHandshake } from "../protocol/messages/sasl-handshake.ts";
import { CreateAcls } from "../protocol/messages/create-acls.ts";
import { DeleteAcls } from "../protocol/messages/delete-acls.ts";
import { DescribeAcls } from "../protocol/messages/describe-acls.ts";
import { AlterUserScramCredentials } from "../protocol/messages/alter-user-scram-credentials.ts";
import { DescribeUserScramCredentials } from "../protocol/messages/describe-user-scram-credentials.ts";

/** What the client needs of a generated API codec (the `<Api>` constants in src/protocol/messages). */
export interface ApiCodec<Request, Response> {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  encodeRequest(writer: Writer, version: number, value: Request): void;
  decodeResponse(reader: Reader, version: number): Response;
}

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

function clientRange(api: ApiCodec<never, unknown>, min: number): [number, VersionRange] {
  return [api.apiKey, { min, max: api.maxVersion }];
}

/** API key → versions the client implements (up to the newest the codecs know). */
export const clientApiVersions: ReadonlyMap<number, VersionRange> = new Map([
  clientRange(Produce, 3),
  clientRange(Fetch, 4),
  clientRange(ListOffsets, 1),
  clientRange(Metadata, 1),
  clientRange(ApiVersions, 0),
  // SASL: handshake v1, then SaslAuthenticate requests (v0's bare tokens are not spoken).
  clientRange(SaslHandshake, 1),
  clientRange(SaslAuthenticate, 0),
  // SCRAM users (chronik user without --data).
  clientRange(DescribeUserScramCredentials, 0),
  clientRange(AlterUserScramCredentials, 0),
  clientRange(CreateTopics, 2),
  clientRange(DeleteTopics, 1),
  // Consumer groups (group admin, group consumers). FindCoordinator 4+ asks in batches; the
  // others start where their request and response shapes stop changing meaningfully.
  clientRange(FindCoordinator, 4),
  clientRange(JoinGroup, 4),
  clientRange(SyncGroup, 3),
  clientRange(Heartbeat, 3),
  clientRange(LeaveGroup, 3),
  clientRange(OffsetCommit, 7),
  clientRange(OffsetFetch, 8),
  clientRange(DescribeGroups, 3),
  clientRange(ListGroups, 3),
  clientRange(DeleteGroups, 1),
  // Topic configs and partitions (chronik topic). DescribeConfigs 1+ says where a value comes from.
  clientRange(DescribeConfigs, 1),
  clientRange(IncrementalAlterConfigs, 0),
  clientRange(CreatePartitions, 0),
  clientRange(DescribeCluster, 0),
  clientRange(ListTransactions, 0),
  clientRange(DescribeTransactions, 0),
  clientRange(DescribeProducers, 0),
  // ACLs (chronik acl); v1+ carries the pattern type (prefixed).
  clientRange(CreateAcls, 1),
  clientRange(DescribeAcls, 1),
  clientRange(DeleteAcls, 1),
  // KIP-848 group membership (consume -G).
  clientRange(ConsumerGroupHeartbeat, 0),
]);

/** API key → the version to use with a broker that advertised `brokerApis`; APIs without overlap are left out. */
export function negotiateVersions(brokerApis: readonly ApiVersionsResponseApiVersion[]): Map<number, number> {
  const chosen = new Map<number, number>();
  for (const brokerApi of brokerApis) {
    const ours = clientApiVersions.get(brokerApi.apiKey);
    if (ours === undefined) continue;
    const version = Math.min(ours.max, brokerApi.maxVersion);
    if (version >= Math.max(ours.min, brokerApi.minVersion)) chosen.set(brokerApi.apiKey, version);
  }
  return chosen;
}
