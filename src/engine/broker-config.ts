// The broker's settings, resolved from flags with defaults. One object, passed down.

import type { ListenerConfig } from "./listeners.ts";
import { type SaslMechanism, saslMechanisms } from "./sasl-session.ts";

export type FsyncPolicy = "always" | "interval" | "never";

/** Where a TLS listener's PEM files are; read at start and again on SIGHUP. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CAs that client certificates must chain to; set, every SSL client must present one. */
  caFile?: string;
}

export interface BrokerConfig {
  /** Folder holding cluster.json and topics/. */
  dataDir: string;
  host: string;
  port: number;
  httpPort: number;
  /** Host and port that Metadata tells clients to connect to. */
  advertisedHost: string;
  advertisedPort: number;
  /** The listeners (--listeners); absent: one PLAINTEXT listener on host and port, advertising advertisedHost and advertisedPort. */
  listeners?: ListenerConfig[];
  /** Certificate and key of SSL and SASL_SSL listeners. */
  tls?: TlsFiles;
  /** The mechanisms SASL listeners offer. */
  saslMechanisms: readonly SaslMechanism[];
  /** How long a SASL session lasts before the client must authenticate again (connections.max.reauth.ms, KIP-368); 0: for ever. */
  saslSessionLifetimeMs: number;
  /** Principals allowed everything (`User:admin`), ACLs or not. */
  superUsers: readonly string[];
  /** With authentication on, allow what no ACL covers (Kafka's allow.everyone.if.no.acl.found); refused by default. */
  allowEveryoneIfNoAcl: boolean;
  nodeId: number;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** Largest request frame accepted (Kafka's socket.request.max.bytes). */
  requestBytesMax: number;
  /** Largest record batch accepted in a produce (Kafka's message.max.bytes). */
  batchBytesMax: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  segmentBytes: number;
  segmentMs: number;
  /** Server-wide defaults of the topic configs retention.ms (-1: forever), retention.bytes (-1: no limit) and cleanup.policy. */
  retentionMs: number;
  retentionBytes: number;
  cleanupPolicy: string;
  /** Server-wide defaults of message.timestamp.type and message.timestamp.difference.max.ms. */
  messageTimestampType: "CreateTime" | "LogAppendTime";
  messageTimestampDifferenceMaxMs: number;
  /** How often retention looks at every log (log.retention.check.interval.ms). */
  retentionCheckIntervalMs: number;
  /** How often compacted logs are checked for a dirty ratio that calls for a pass (log.cleaner.backoff.ms). */
  logCleanerBackoffMs: number;
  /** Files all partition logs may hold open together; idle segments close least recently used first. */
  openFilesMax: number;
  /** Requests a connection may have in flight before the broker stops reading from it. */
  connectionRequestsInFlightMax: number;
  /** Shortest and longest session timeout a classic group member may ask for (group.min/max.session.timeout.ms). */
  groupSessionTimeoutMinMs: number;
  groupSessionTimeoutMaxMs: number;
  /** How long the first rebalance of an empty group waits for more members (group.initial.rebalance.delay.ms). */
  groupInitialRebalanceDelayMs: number;
  /** Committed offsets of an empty group are dropped after this long (offsets.retention.minutes). */
  offsetsRetentionMs: number;
  /** Largest metadata string stored with a committed offset (offset.metadata.max.bytes). */
  offsetMetadataBytesMax: number;
  /** KIP-848 consumer groups: session timeout and heartbeat interval (group.consumer.*). */
  consumerGroupSessionTimeoutMs: number;
  consumerGroupHeartbeatIntervalMs: number;
  /** An idempotent producer silent this long is forgotten by every partition (producer.id.expiration.ms). */
  producerIdExpirationMs: number;
  /** Serve /metrics and count requests, records and fsyncs for it. */
  metrics: boolean;
  /** Per-partition series (offsets, size, segments, group lag per partition) in /metrics. */
  metricsPartitionSeries: boolean;
  /** Label sets one metric family may hold; more are dropped and counted. */
  metricsSeriesMax: number;
  /** How often partitions look for expired producers (producer.id.expiration.check.interval.ms). */
  producerIdExpirationCheckIntervalMs: number;
}

export const defaultBrokerConfig: BrokerConfig = {
  dataDir: "./chronik-data",
  host: "0.0.0.0",
  port: 9092,
  httpPort: 6092,
  advertisedHost: "localhost",
  advertisedPort: 9092,
  nodeId: 0,
  autoCreateTopics: true,
  defaultPartitions: 1,
  requestBytesMax: 100 * 1024 * 1024,
  batchBytesMax: 1024 * 1024 + 12,
  fsync: "always",
  fsyncIntervalMs: 1000,
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: "delete",
  messageTimestampType: "CreateTime",
  messageTimestampDifferenceMaxMs: Number.MAX_SAFE_INTEGER,
  retentionCheckIntervalMs: 5 * 60 * 1000,
  logCleanerBackoffMs: 15_000,
  openFilesMax: 4096,
  connectionRequestsInFlightMax: 100,
  groupSessionTimeoutMinMs: 6_000,
  groupSessionTimeoutMaxMs: 30 * 60 * 1000,
  groupInitialRebalanceDelayMs: 3_000,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetMetadataBytesMax: 4096,
  consumerGroupSessionTimeoutMs: 45_000,
  consumerGroupHeartbeatIntervalMs: 5_000,
  producerIdExpirationMs: 24 * 60 * 60 * 1000,
  producerIdExpirationCheckIntervalMs: 10 * 60 * 1000,
  saslMechanisms,
  saslSessionLifetimeMs: 0,
  superUsers: [],
  allowEveryoneIfNoAcl: false,
  metrics: true,
  metricsPartitionSeries: true,
  metricsSeriesMax: 10_000,
};
