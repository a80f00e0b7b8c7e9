// Committed offsets in memory, per group, per topic-partition. The group log is the durable
// copy; this map is rebuilt from it at start and updated after each durable append.

import type { CommittedOffset } from "./group-records.ts";

export interface TopicPartitionOffset extends CommittedOffset {
  topic: string;
  partition: number;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class OffsetStore {
  readonly #byGroup = new Map<string, Map<string, TopicPartitionOffset>>();

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.#byGroup.get(group)?.get(partitionKey(topic, partition));
  }

  set(group: string, topic: string, partition: number, committed: CommittedOffset): void {
    let offsets = this.#byGroup.get(group);
    if (!offsets) this.#byGroup.set(group, (offsets = new Map()));
    offsets.set(partitionKey(topic, partition), { ...committed, topic, partition });
  }

  delete(group: string, topic: string, partition: number): boolean {
    const offsets = this.#byGroup.get(group);
    if (!offsets) return false;
    const deleted = offsets.delete(partitionKey(topic, partition));
    if (offsets.size === 0) this.#byGroup.delete(group);
    return deleted;
  }

  /** Every committed offset of the group, sorted by topic then partition. */
  list(group: string): TopicPartitionOffset[] {
    const offsets = [...(this.#byGroup.get(group)?.values() ?? [])];
    return offsets.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  has(group: string): boolean {
    return this.#byGroup.has(group);
  }

  groups(): string[] {
    return [...this.#byGroup.keys()];
  }

  deleteGroup(group: string): void {
    this.#byGroup.delete(group);
  }
}
