// The group coordinator: this broker coordinates every group. It owns the groups, their
// committed offsets, and the group log that makes both durable, and it expires the offsets of
// groups that stayed empty past offsets.retention.

import { randomUUID } from "node:crypto";
import { ErrorCode } from "../../protocol/errors.ts";
import type { Logger } from "../../logger.ts";
import type { BrokerConfig } from "../broker-config.ts";
import type { TopicRegistry } from "../topic-registry.ts";
import { ClassicGroup, GroupState } from "./classic-group.ts";
import { ConsumerGroup } from "./consumer-group.ts";
import { GroupLog } from "./group-log.ts";
import type { CommittedOffset, GroupRecord, StoredGroup } from "./group-records.ts";
import { OffsetStore } from "./offset-store.ts";
import { decodeOffsetRecord } from "./offsets-topic-format.ts";
import type { TransactionProducer } from "./group-log.ts";
import { type Scheduler, systemScheduler } from "./scheduler.ts";

export type Group = ClassicGroup | ConsumerGroup;

export type GroupConfig = Pick<
  BrokerConfig,
  | "groupSessionTimeoutMinMs"
  | "groupSessionTimeoutMaxMs"
  | "groupInitialRebalanceDelayMs"
  | "offsetsRetentionMs"
  | "offsetMetadataBytesMax"
  | "consumerGroupSessionTimeoutMs"
  | "consumerGroupHeartbeatIntervalMs"
>;

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

export interface CommitIdentity {
  memberId: string;
  groupInstanceId: string | null;
  /** Generation (classic) or member epoch (consumer); -1 for a commit outside group management. */
  generationId: number;
}

/** A committed offset with the group and partition it belongs to. */
interface PendingOffset {
  group: string;
  topic: string;
  partition: number;
  committed: CommittedOffset;
}

function offsetRecord({ group, topic, partition, committed }: PendingOffset): GroupRecord {
  return { key: { type: "offset", group, topic, partition }, value: committed };
}

export class GroupCoordinator {
  readonly config: GroupConfig;
  readonly offsets = new OffsetStore();
  readonly #groups = new Map<string, Group>();
  readonly #log: GroupLog;
  readonly #topics: TopicRegistry;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  readonly #expiryTimers = new Map<string, () => void>();
  /** Offsets committed in open transactions (TxnOffsetCommit), by producer id: applied at its commit marker. */
  readonly #pendingTransactions = new Map<number, PendingOffset[]>();

  private constructor(log: GroupLog, topics: TopicRegistry, config: GroupConfig, scheduler: Scheduler, logger: Logger) {
    this.#log = log;
    this.#topics = topics;
    this.config = config;
    this.#scheduler = scheduler;
    this.#logger = logger;
  }

  /** Opens the group log (creating `__consumer_offsets` on first start) and replays it. */
  static async open(topics: TopicRegistry, config: GroupConfig, options: { logger: Logger; scheduler?: Scheduler }): Promise<GroupCoordinator> {
    const scheduler = options.scheduler ?? systemScheduler;
    const log = await GroupLog.open(topics, options.logger, () => scheduler.now());
    const coordinator = new GroupCoordinator(log, topics, config, scheduler, options.logger);
    await coordinator.#load();
    return coordinator;
  }

  get topics(): TopicRegistry {
    return this.#topics;
  }

  async #load(): Promise<void> {
    const { state, records, legacyRecords, pendingTransactions } = await this.#log.replay();
    for (const { group, topic, partition, committed } of state.offsets.values()) this.offsets.set(group, topic, partition, committed);
    for (const [producerId, pending] of pendingTransactions) {
      for (const record of pending) {
        const decoded = decodeOffsetRecord(record.key, record.value);
        if (decoded?.committed) this.#pendingOf(producerId).push({ ...decoded, committed: decoded.committed });
      }
    }
    const storedGroups = state.groups();
    for (const [groupId, stored] of storedGroups) {
      const group = this.#createGroup(groupId, stored.kind);
      group.restore(stored);
    }
    for (const groupId of this.offsets.groups()) if (!this.#groups.has(groupId)) this.#createGroup(groupId, "classic");
    if (legacyRecords > 0) await this.#migrate(storedGroups, legacyRecords);
    for (const group of this.#groups.values()) if (group.members.size === 0) this.#scheduleExpiry(group);
    this.#logger.info("Loaded groups", { groups: this.#groups.size, records, skipped: state.skipped });
  }

  /** Writes everything again in Kafka's formats and drops the JSON records of older versions. */
  async #migrate(storedGroups: ReadonlyMap<string, StoredGroup>, legacyRecords: number): Promise<void> {
    const records: GroupRecord[] = [];
    for (const [groupId, stored] of storedGroups) records.push({ key: { type: "group", group: groupId }, value: stored });
    for (const groupId of this.offsets.groups()) {
      for (const { topic, partition, ...committed } of this.offsets.list(groupId)) {
        records.push({ key: { type: "offset", group: groupId, topic, partition }, value: committed });
      }
    }
    await this.#log.replaceAll(records);
    this.#logger.info("Rewrote __consumer_offsets in Kafka's record formats", { legacyRecords, records: records.length });
  }

  // ---- Groups ----

  get(groupId: string): Group | undefined {
    return this.#groups.get(groupId);
  }

  list(): Group[] {
    return [...this.#groups.values()];
  }

  /** The classic group, created Empty when absent; null when the id belongs to a consumer group with members. */
  classicGroup(groupId: string, create: boolean): ClassicGroup | ConsumerGroup | undefined {
    const existing = this.#groups.get(groupId);
    if (existing instanceof ConsumerGroup && existing.members.size === 0 && create) {
      this.#groups.delete(groupId);
    } else if (existing) {
      return existing;
    }
    return create ? this.#createGroup(groupId, "classic") : undefined;
  }

  /** The consumer (KIP-848) group, created when absent or when an empty classic group holds the id. */
  consumerGroup(groupId: string, create: boolean): ClassicGroup | ConsumerGroup | undefined {
    const existing = this.#groups.get(groupId);
    if (existing instanceof ClassicGroup && existing.members.size === 0 && create) {
      existing.markDead();
      this.#groups.delete(groupId);
    } else if (existing) {
      return existing;
    }
    return create ? this.#createGroup(groupId, "consumer") : undefined;
  }

  #createGroup(groupId: string, kind: StoredGroup["kind"]): Group {
    const hooks = {
      scheduler: this.#scheduler,
      logger: this.#logger,
      store: (group: Group) => this.#log.append([{ key: { type: "group", group: group.groupId }, value: group.toStored() }]),
      onEmpty: (group: Group) => this.#scheduleExpiry(group),
    };
    const group: Group = kind === "classic"
      ? new ClassicGroup(groupId, {
          ...hooks,
          initialRebalanceDelayMs: this.config.groupInitialRebalanceDelayMs,
          newMemberId: (clientId: string) => `${clientId}-${randomUUID()}`,
        })
      : new ConsumerGroup(groupId, {
          ...hooks,
          topics: this.#topics,
          sessionTimeoutMs: this.config.consumerGroupSessionTimeoutMs,
          heartbeatIntervalMs: this.config.consumerGroupHeartbeatIntervalMs,
        });
    this.#groups.set(groupId, group);
    return group;
  }

  /** DeleteGroups: only an empty group may go; its offsets and metadata get tombstones. */
  async deleteGroup(groupId: string): Promise<number> {
    const group = this.#groups.get(groupId);
    if (!group) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    await this.#removeGroup(group);
    return ErrorCode.NONE;
  }

  async #removeGroup(group: Group): Promise<void> {
    const tombstones: GroupRecord[] = this.offsets.list(group.groupId).map(({ topic, partition }) => ({
      key: { type: "offset", group: group.groupId, topic, partition },
      value: null,
    }));
    tombstones.push({ key: { type: "group", group: group.groupId }, value: null });
    await this.#log.append(tombstones);
    this.offsets.deleteGroup(group.groupId);
    this.#expiryTimers.get(group.groupId)?.();
    this.#expiryTimers.delete(group.groupId);
    if (this.#groups.get(group.groupId) === group && group.members.size === 0) {
      group.markDead();
      this.#groups.delete(group.groupId);
    }
  }

  // ---- Offsets ----

  /**
   * Stores offsets once the member's generation checks out; resolves with one group-level error
   * code after the records are durable (NONE) or were refused.
   */
  async commitOffsets(groupId: string, identity: CommitIdentity, offsets: readonly OffsetToCommit[]): Promise<number> {
    return this.#commit(groupId, identity, offsets, async (entries, group) => {
      await this.#log.append(entries.map(offsetRecord));
      for (const { topic, partition, committed } of entries) this.offsets.set(groupId, topic, partition, committed);
      if (group.members.size === 0) this.#scheduleExpiry(group);
    });
  }

  /**
   * TxnOffsetCommit: offsets committed in a producer's transaction. They are written now but
   * count only once the transaction commits (completeTransaction); the member checks are those
   * of a plain commit. Resolves with a group-level error code.
   */
  async commitTransactionalOffsets(groupId: string, producer: TransactionProducer, identity: CommitIdentity, offsets: readonly OffsetToCommit[]): Promise<number> {
    return this.#commit(groupId, identity, offsets, async (entries) => {
      await this.#log.appendTransactional(entries.map(offsetRecord), producer);
      this.#pendingOf(producer.producerId).push(...entries);
    });
  }

  /** The member checks of a commit, then `store` with the offsets stamped with the commit time. */
  async #commit(groupId: string, identity: CommitIdentity, offsets: readonly OffsetToCommit[], store: (entries: PendingOffset[], group: Group) => Promise<void>): Promise<number> {
    let group = this.#groups.get(groupId);
    if (!group) {
      // A commit outside group management creates an Empty group that only stores offsets.
      if (identity.generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      group = this.#createGroup(groupId, "classic");
    }
    const problem = group.commitProblem(identity, identity.generationId);
    if (problem !== ErrorCode.NONE || offsets.length === 0) return problem;
    const commitTimestampMs = this.#scheduler.now();
    await store(
      offsets.map((entry) => ({
        group: groupId,
        topic: entry.topic,
        partition: entry.partition,
        committed: { offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata: entry.metadata, commitTimestampMs },
      })),
      group,
    );
    return ErrorCode.NONE;
  }

  /** Whether offsets of the group's partition wait for a transaction to end (OffsetFetch with require_stable). */
  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    for (const pending of this.#pendingTransactions.values()) {
      if (pending.some((entry) => entry.group === groupId && entry.topic === topic && entry.partition === partition)) return true;
    }
    return false;
  }

  /** A transaction ended: its marker goes into `__consumer_offsets`, and its offsets count if it committed. */
  async completeTransaction(marker: TransactionProducer & { commit: boolean; coordinatorEpoch: number }): Promise<void> {
    await this.#log.writeMarker(marker);
    const pending = this.#pendingTransactions.get(marker.producerId) ?? [];
    this.#pendingTransactions.delete(marker.producerId);
    if (!marker.commit) return;
    for (const { group, topic, partition, committed } of pending) {
      this.offsets.set(group, topic, partition, committed);
      const owner = this.#groups.get(group);
      if (owner && owner.members.size === 0) this.#scheduleExpiry(owner);
    }
  }

  #pendingOf(producerId: number): PendingOffset[] {
    let pending = this.#pendingTransactions.get(producerId);
    if (pending === undefined) {
      pending = [];
      this.#pendingTransactions.set(producerId, pending);
    }
    return pending;
  }

  /** OffsetDelete: drops committed offsets with tombstones. */
  async deleteOffsets(groupId: string, partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    const present = partitions.filter(({ topic, partition }) => this.offsets.get(groupId, topic, partition) !== undefined);
    await this.#log.append(present.map(({ topic, partition }) => ({ key: { type: "offset", group: groupId, topic, partition }, value: null })));
    for (const { topic, partition } of present) this.offsets.delete(groupId, topic, partition);
  }

  // ---- Expiry ----

  /** When an offset of an empty group expires: retention after the later of its commit and the group emptying. */
  #expiresAtMs(group: Group, committed: CommittedOffset): number {
    return Math.max(committed.commitTimestampMs, group.emptySinceMs) + this.config.offsetsRetentionMs;
  }

  #scheduleExpiry(group: Group): void {
    this.#expiryTimers.get(group.groupId)?.();
    this.#expiryTimers.delete(group.groupId);
    if (group.members.size > 0 || group.state === GroupState.dead) return;
    const offsets = this.offsets.list(group.groupId);
    const nextMs = offsets.length === 0 ? group.emptySinceMs + this.config.offsetsRetentionMs : Math.min(...offsets.map((entry) => this.#expiresAtMs(group, entry)));
    const cancel = this.#scheduler.schedule(nextMs - this.#scheduler.now(), () => {
      this.#expiryTimers.delete(group.groupId);
      this.#expire(group).catch((error) => this.#logger.error("Cannot expire group offsets", { group: group.groupId, error }));
    });
    this.#expiryTimers.set(group.groupId, cancel);
  }

  async #expire(group: Group): Promise<void> {
    if (this.#groups.get(group.groupId) !== group || group.members.size > 0) return;
    const nowMs = this.#scheduler.now();
    const remaining = this.offsets.list(group.groupId);
    const expired = remaining.filter((entry) => this.#expiresAtMs(group, entry) <= nowMs);
    if (expired.length === remaining.length && group.emptySinceMs + this.config.offsetsRetentionMs <= nowMs) {
      this.#logger.info("Expiring empty group", { group: group.groupId, offsets: expired.length });
      await this.#removeGroup(group);
      return;
    }
    if (expired.length > 0) {
      this.#logger.info("Expiring committed offsets", { group: group.groupId, offsets: expired.length });
      await this.deleteOffsets(group.groupId, expired);
    }
    this.#scheduleExpiry(group);
  }

  /** Stops every timer and answers parked joins and syncs; the broker is shutting down. */
  close(): void {
    for (const cancel of this.#expiryTimers.values()) cancel();
    this.#expiryTimers.clear();
    for (const group of this.#groups.values()) group.close();
  }
}
