// Server-side assignors of KIP-848 consumer groups. Both are deterministic functions of the
// members' subscriptions, the topics' partition counts and (for uniform) the current assignment.
//
// uniform: every partition of a topic goes to one of its subscribers, balancing partition counts
//          across members; a member keeps what it already owns while under its fair share (sticky).
// range:   per topic, subscribers sorted by member id get contiguous ranges; the first
//          (partitions mod subscribers) get one extra, as the classic RangeAssignor does.

export interface AssignorMember {
  memberId: string;
  subscribedTopics: readonly string[];
  /** topic id → partitions the member currently owns. */
  current: ReadonlyMap<string, ReadonlySet<number>>;
}

export interface AssignorTopic {
  name: string;
  topicId: string;
  partitionCount: number;
}

/** member id → topic id → partitions, sorted. */
export type TargetAssignment = Map<string, Map<string, number[]>>;

export type Assignor = (members: readonly AssignorMember[], topics: readonly AssignorTopic[]) => TargetAssignment;

function emptyTarget(members: readonly AssignorMember[]): TargetAssignment {
  return new Map(members.map((member) => [member.memberId, new Map<string, number[]>()]));
}

function give(target: TargetAssignment, memberId: string, topicId: string, partition: number): void {
  const topics = target.get(memberId)!;
  const partitions = topics.get(topicId) ?? [];
  partitions.push(partition);
  topics.set(topicId, partitions);
}

function sortTarget(target: TargetAssignment): TargetAssignment {
  for (const topics of target.values()) for (const partitions of topics.values()) partitions.sort((a, b) => a - b);
  return target;
}

export const rangeAssign: Assignor = (members, topics) => {
  const target = emptyTarget(members);
  for (const topic of topics) {
    const subscribers = members.filter((member) => member.subscribedTopics.includes(topic.name)).map((member) => member.memberId).sort();
    if (subscribers.length === 0) continue;
    const base = Math.floor(topic.partitionCount / subscribers.length);
    const extra = topic.partitionCount % subscribers.length;
    let next = 0;
    subscribers.forEach((memberId, index) => {
      const count = base + (index < extra ? 1 : 0);
      for (let partition = next; partition < next + count; partition++) give(target, memberId, topic.topicId, partition);
      next += count;
    });
  }
  return sortTarget(target);
};

export const uniformAssign: Assignor = (members, topics) => {
  const target = emptyTarget(members);
  const counts = new Map(members.map((member) => [member.memberId, 0]));
  const subscribersOf = (topic: AssignorTopic) => members.filter((member) => member.subscribedTopics.includes(topic.name));
  const totalPartitions = topics.reduce((sum, topic) => sum + (subscribersOf(topic).length > 0 ? topic.partitionCount : 0), 0);
  const fairShare = members.length === 0 ? 0 : Math.ceil(totalPartitions / members.length);
  const unassigned: { topic: AssignorTopic; partition: number; subscribers: AssignorMember[] }[] = [];
  // Sticky pass: current owners keep partitions up to their fair share.
  for (const topic of topics) {
    const subscribers = subscribersOf(topic);
    if (subscribers.length === 0) continue;
    for (let partition = 0; partition < topic.partitionCount; partition++) {
      const owner = subscribers.find((member) => member.current.get(topic.topicId)?.has(partition));
      if (owner && counts.get(owner.memberId)! < fairShare) {
        give(target, owner.memberId, topic.topicId, partition);
        counts.set(owner.memberId, counts.get(owner.memberId)! + 1);
      } else {
        unassigned.push({ topic, partition, subscribers });
      }
    }
  }
  // Balancing pass: each remaining partition goes to its least-loaded subscriber (ties: smallest id).
  for (const { topic, partition, subscribers } of unassigned) {
    let chosen = subscribers[0];
    for (const candidate of subscribers) {
      const load = counts.get(candidate.memberId)!;
      const best = counts.get(chosen.memberId)!;
      if (load < best || (load === best && candidate.memberId < chosen.memberId)) chosen = candidate;
    }
    give(target, chosen.memberId, topic.topicId, partition);
    counts.set(chosen.memberId, counts.get(chosen.memberId)! + 1);
  }
  return sortTarget(target);
};

export const serverAssignors: ReadonlyMap<string, Assignor> = new Map([
  ["uniform", uniformAssign],
  ["range", rangeAssign],
]);

export const defaultServerAssignor = "uniform";
