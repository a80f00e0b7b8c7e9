// The Kafka client in one import: a cluster (connections and metadata), producer, consumer and
// admin calls. Commands (produce, consume, topic, bench, replicate) build on these.

export {
  type ClusterDescription,
  ConfigAdmin,
  type ConfigChanges,
  type ConfigEntry,
  ConfigResourceType,
  configSourceNames,
  type ResourceResult,
} from "./admin-configs.ts";
export { type GroupAssignment, GroupMember, type GroupMemberOptions } from "./group-member.ts";
export { Admin, type AdminOptions, type NewTopic, type TopicResult } from "./admin.ts";
export { type ApiCodec, clientApiVersions, negotiateVersions, type VersionRange } from "./api-versions.ts";
export { Cluster, type BrokerInfo, type ClusterOptions, defaultKafkaPort, type PartitionInfo, parseBrokerList, type TopicInfo } from "./cluster.ts";
export { type BrokerAddress, Connection, type ConnectionOptions, defaultConnectionOptions, formatAddress } from "./connection.ts";
export { Consumer, type ConsumerOptions, defaultConsumerOptions, type RecordChunk, type StartPosition, type StopPosition } from "./consumer.ts";
export type { BatchSummary } from "./fetch-round.ts";
export { ClientError, ConnectionError, DeliveryError, isRetriableError, UnsupportedApiError } from "./errors.ts";
export { IsolationLevel, listOffsets, OffsetSpec, type PartitionOffset } from "./list-offsets.ts";
export {
  crc32PartitionForKey,
  murmur2,
  partitionerStrategies,
  type PartitionerStrategy,
  partitionForKey,
  Partitioner,
  toPositive,
} from "./partitioner.ts";
export { type Acks, defaultProducerOptions, Producer, type ProducerOptions, type ProducerRecord, type RecordMetadata } from "./producer.ts";
export { defaultRetryOptions, type RetryOptions } from "./retry.ts";
export { ScramAdmin, type ScramCredentialInfo, type ScramDeletion, type ScramUpsertion, type UserAlterationResult, type UserScramDescription } from "./scram-admin.ts";
