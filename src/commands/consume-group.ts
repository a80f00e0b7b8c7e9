// `chronik consume -G <group>`: read as a member of a consumer group (KIP-848: the broker
// assigns partitions). Each assigned partition starts at the group's committed offset, or at
// -o when it has none; what was written to stdout is committed every few seconds, when the
// assignment changes, and on exit, and the member leaves the group when it is done. With -e,
// every assigned partition stops at the end offset it had when it was assigned.

import { type Cluster, Consumer, type ConsumerOptions, type GroupAssignment, GroupMember, type StopPosition } from "../client/index.ts";
import { type ConsumeLimits, type OutputFormat, RecordSink } from "./record-sink.ts";
import type { OffsetRange } from "./offset-spec.ts";

const commitIntervalMs = 5000;
const rebalanceTimeoutMs = 30_000;

export interface GroupConsumeOptions {
  groupId: string;
  topics: string[];
  range: OffsetRange;
  stopAt: StopPosition | undefined;
  fetch: Partial<ConsumerOptions>;
  /** Aborted on Ctrl-C: finish the current poll, commit, leave. */
  signal: AbortSignal;
}

/** Consumes as a group member until done (or interrupted); returns the number of records written. */
export async function consumeInGroup(cluster: Cluster, options: GroupConsumeOptions, format: OutputFormat, limits: ConsumeLimits): Promise<{ count: number }> {
  const member = new GroupMember(cluster, { groupId: options.groupId, topics: options.topics, rebalanceTimeoutMs });
  const sink = new RecordSink(format, limits);
  let reassigned: (() => void) | null = null;
  let next: GroupAssignment | null = null;
  const commitTimer = setInterval(() => void member.commit(sink.positions).catch(() => undefined), commitIntervalMs);
  try {
    let assignment = await member.join((assignment) => {
      next = assignment;
      reassigned?.();
    });
    for (;;) {
      member.acknowledge(assignment);
      const consumers = await consumersFor(cluster, member, assignment, options);
      const control = { stopped: false };
      const changed = new Promise<"changed" | "stopped">((resolve) => {
        reassigned = () => resolve("changed");
        if (next !== null) resolve("changed");
        if (options.signal.aborted) resolve("stopped");
        options.signal.addEventListener("abort", () => resolve("stopped"), { once: true });
      });
      const drained = Promise.all(consumers.map((consumer) => sink.drain(consumer, control))).then(() => "done" as const);
      // With nothing assigned, -e has nothing to read; without it, the member waits for partitions.
      const idle = consumers.length === 0;
      const outcome = idle && options.stopAt !== undefined ? "done" : await (idle ? changed : Promise.race([drained, changed]));
      control.stopped = true;
      await drained;
      await member.commit(sink.positions);
      if (member.failure !== null) throw member.failure;
      if (outcome !== "changed" || sink.full || next === null) break;
      assignment = next;
      next = null;
    }
  } finally {
    clearInterval(commitTimer);
    await sink.end();
    await member.leave().catch(() => undefined);
  }
  return { count: sink.count };
}

/** One consumer per assigned partition, starting at the committed offset or at -o. */
async function consumersFor(cluster: Cluster, member: GroupMember, assignment: GroupAssignment, options: GroupConsumeOptions): Promise<Consumer[]> {
  const committed = await member.committedOffsets(assignment);
  const consumers: Consumer[] = [];
  for (const [topic, partitions] of assignment) {
    for (const partition of partitions) {
      const offset = committed.get(topic)?.get(partition);
      consumers.push(
        new Consumer(cluster, {
          ...options.fetch,
          topic,
          partitions: [partition],
          start: offset === undefined ? options.range.start : { offset },
          stopAt: options.stopAt,
          stopAtEnd: false,
        }),
      );
    }
  }
  return consumers;
}
