// What /metrics reads from the broker's state at scrape time: partitions (offsets, size,
// segments), groups (state, members, lag), connections, and the disk under the data folder.
// Per-partition series can be turned off (--no-metrics-partition-series): a broker with many
// partitions then exposes per-topic and per-group totals only.

import { statfsSync } from "node:fs";
import { type MetricFamily, valueFamily, type ValueSeries } from "../metrics/registry.ts";
import { groupIds, groupLags } from "./admin/groups-admin.ts";
import { listTopics } from "./admin/topics-admin.ts";
import type { GroupCoordinator } from "./groups/group-coordinator.ts";
import type { TopicRegistry } from "./topic-registry.ts";

export interface ConnectionCounts {
  open: number;
  accepted: number;
}

export interface BrokerState {
  topics: TopicRegistry;
  groups: GroupCoordinator;
  connections(): ConnectionCounts;
  dataDir: string;
  /** Emit one series per partition (offsets, size, segments, group lag); off keeps only totals. */
  partitionSeries: boolean;
}

export function partitionFamilies(state: BrokerState): MetricFamily[] {
  const summaries = listTopics(state.topics, false);
  const topicPartitions = summaries.map((topic): ValueSeries => ({ labels: [topic.name], value: topic.partitions }));
  const topicSize = summaries.map((topic): ValueSeries => ({ labels: [topic.name], value: topic.sizeBytes }));
  const topicRecords = summaries.map((topic): ValueSeries => ({ labels: [topic.name], value: topic.offsets }));
  const start: ValueSeries[] = [];
  const end: ValueSeries[] = [];
  const size: ValueSeries[] = [];
  const segments: ValueSeries[] = [];
  if (state.partitionSeries) {
    for (const topic of state.topics.list()) {
      for (const partition of topic.partitions) {
        const { log } = partition;
        const labels = [topic.meta.name, String(partition.index)];
        start.push({ labels, value: log.logStartOffset });
        end.push({ labels, value: log.logEndOffset });
        size.push({ labels, value: log.sizeBytes ?? 0 });
        segments.push({ labels, value: log.segmentBaseOffsets?.().length ?? 1 });
      }
    }
  }
  const families = [
    valueFamily("gauge", "chronik_topic_partitions", "Partitions of each topic", ["topic"], topicPartitions),
    valueFamily("gauge", "chronik_topic_size_bytes", "Bytes of stored record batches of each topic", ["topic"], topicSize),
    valueFamily("gauge", "chronik_topic_offsets", "Offsets between log start and high watermark, summed over a topic's partitions (records, where no compaction removed any)", ["topic"], topicRecords),
    // One broker holds every partition with replication factor 1: none can lag a leader or lack one.
    valueFamily("gauge", "chronik_under_replicated_partitions", "Partitions with fewer in-sync replicas than replicas (always 0 until clusters exist)", [], [{ labels: [], value: 0 }]),
    valueFamily("gauge", "chronik_offline_partitions", "Partitions without a leader (always 0 until clusters exist)", [], [{ labels: [], value: 0 }]),
  ];
  if (state.partitionSeries) {
    const labels = ["topic", "partition"];
    families.push(
      valueFamily("gauge", "chronik_partition_log_start_offset", "First offset still stored", labels, start),
      valueFamily("gauge", "chronik_partition_log_end_offset", "Offset the next record will get", labels, end),
      valueFamily("gauge", "chronik_partition_size_bytes", "Bytes of the partition's segment files", labels, size),
      valueFamily("gauge", "chronik_partition_segments", "Segment files of the partition", labels, segments),
    );
  }
  return families;
}

/** Lag is what `chronik group describe` shows: the high watermark minus the committed offset. */
export function groupFamilies(state: BrokerState): MetricFamily[] {
  const states: ValueSeries[] = [];
  const members: ValueSeries[] = [];
  const lag: ValueSeries[] = [];
  const topicLag: ValueSeries[] = [];
  const { groups, topics } = state;
  for (const groupId of groupIds(groups)) {
    const group = groups.get(groupId);
    states.push({ labels: [groupId, group?.state ?? "Empty"], value: 1 });
    members.push({ labels: [groupId], value: group?.members.size ?? 0 });
    const perTopic = new Map<string, number>();
    for (const row of groupLags(groups, topics, groupId)) {
      perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + row.lag);
      if (state.partitionSeries) lag.push({ labels: [groupId, row.topic, String(row.partition)], value: row.lag });
    }
    for (const [topic, value] of perTopic) topicLag.push({ labels: [groupId, topic], value });
  }
  const families = [
    valueFamily("gauge", "chronik_group_state", "1 for each group, labelled with its state (Empty, Stable, PreparingRebalance, CompletingRebalance, Assigning, Reconciling, Dead)", ["group", "state"], states),
    valueFamily("gauge", "chronik_group_members", "Members of each group", ["group"], members),
    valueFamily("gauge", "chronik_group_topic_lag", "Records between committed offsets and high watermarks, summed over a topic's partitions", ["group", "topic"], topicLag),
  ];
  if (state.partitionSeries) {
    families.push(valueFamily("gauge", "chronik_group_lag", "Records between a group's committed offset and the partition's high watermark", ["group", "topic", "partition"], lag));
  }
  return families;
}

export function connectionFamilies(state: BrokerState): MetricFamily[] {
  const { open, accepted } = state.connections();
  return [
    valueFamily("gauge", "chronik_connections", "Kafka protocol connections open", [], [{ labels: [], value: open }]),
    valueFamily("counter", "chronik_connections_accepted_total", "Kafka protocol connections accepted since start", [], [{ labels: [], value: accepted }]),
  ];
}

export function diskFamilies(state: BrokerState): MetricFamily[] {
  const stats = statfsSync(state.dataDir);
  return [
    valueFamily("gauge", "chronik_disk_free_bytes", "Bytes available to the broker on the file system of the data folder", [], [{ labels: [], value: stats.bavail * stats.bsize }]),
    valueFamily("gauge", "chronik_disk_size_bytes", "Size of the file system of the data folder", [], [{ labels: [], value: stats.blocks * stats.bsize }]),
  ];
}
