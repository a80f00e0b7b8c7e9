// Offsets by time for a topic's partitions: the earliest (-2), the latest (-1, the high
// watermark, or the last stable offset under read_committed) or the first offset at or after a
// timestamp. Each partition is asked of its leader; a moved leader means a metadata refresh and
// another try.
//
// ListOffsets Request (Version: 7) => replica_id isolation_level [topics] _tagged_fields
//   topics => name [partitions] _tagged_fields
//     partitions => partition_index current_leader_epoch timestamp _tagged_fields
// ListOffsets Response (Version: 7) => throttle_time_ms [topics] _tagged_fields
//   topics => name [partitions] _tagged_fields
//     partitions => partition_index error_code timestamp offset leader_epoch _tagged_fields

import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { ListOffsets } from "../protocol/messages/list-offsets.ts";
import type { Cluster } from "./cluster.ts";
import { retry } from "./retry.ts";

/** The special timestamps ListOffsets understands. */
export const OffsetSpec = {
  earliest: -2,
  latest: -1,
} as const;

export const IsolationLevel = {
  readUncommitted: 0,
  readCommitted: 1,
} as const;

export type IsolationLevel = (typeof IsolationLevel)[keyof typeof IsolationLevel];

export interface PartitionOffset {
  partition: number;
  /** -1 when no record has a timestamp at or after the one asked for. */
  offset: number;
  timestamp: number;
}

/**
 * The offset of each partition at `timestamp` (OffsetSpec.earliest, OffsetSpec.latest or epoch
 * ms). Topic metadata must be cached (cluster.topic()) before the call.
 */
export async function listOffsets(
  cluster: Cluster,
  topic: string,
  options: { partitions: number[]; timestamp: number; isolationLevel?: IsolationLevel },
): Promise<Map<number, PartitionOffset>> {
  const found = new Map<number, PartitionOffset>();
  await retry(
    async () => {
      const missing = options.partitions.filter((partition) => !found.has(partition));
      try {
        await askLeaders(cluster, topic, missing, options, found);
      } catch (error) {
        await cluster.topic(topic).catch(() => undefined);
        throw error;
      }
    },
    { ...cluster.retryOptions, logger: cluster.logger, what: `offsets of topic "${topic}"` },
  );
  return found;
}

async function askLeaders(
  cluster: Cluster,
  topic: string,
  partitions: number[],
  options: { timestamp: number; isolationLevel?: IsolationLevel },
  found: Map<number, PartitionOffset>,
): Promise<void> {
  const byLeader = new Map<number, number[]>();
  for (const partition of partitions) {
    const leader = cluster.leaderOf(topic, partition);
    if (leader < 0) throw new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `topic "${topic}" partition ${partition}`);
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
  }
  const answers = await Promise.all(
    [...byLeader].map(async ([leader, leaderPartitions]) => {
      const connection = await cluster.brokerConnection(leader);
      return connection.request(ListOffsets, {
        replicaId: -1,
        isolationLevel: options.isolationLevel ?? IsolationLevel.readUncommitted,
        timeoutMs: cluster.options.requestTimeoutMs,
        topics: [{ name: topic, partitions: leaderPartitions.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: options.timestamp })) }],
      });
    }),
  );
  let failure: KafkaProtocolError | null = null;
  for (const response of answers) {
    for (const entry of response.topics.filter((answer) => answer.name === topic)) {
      for (const partition of entry.partitions) {
        if (partition.errorCode !== ErrorCode.NONE) {
          failure ??= new KafkaProtocolError(partition.errorCode, `offsets of topic "${topic}" partition ${partition.partitionIndex}`);
          continue;
        }
        found.set(partition.partitionIndex, { partition: partition.partitionIndex, offset: partition.offset ?? -1, timestamp: partition.timestamp ?? -1 });
      }
    }
  }
  if (failure !== null) throw failure;
  const unanswered = partitions.find((partition) => !found.has(partition));
  if (unanswered !== undefined) {
    throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `the broker left out topic "${topic}" partition ${unanswered} from its ListOffsets answer`);
  }
}
