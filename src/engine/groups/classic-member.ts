// What a classic group holds per member, what its requests and answers carry, and how members
// agree on a protocol. Member metadata and assignments are opaque bytes: stored and returned
// exactly as clients sent them.

export interface ProtocolMetadata {
  name: string;
  metadata: Uint8Array;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  skipAssignment: boolean;
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export interface JoinParams {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: ProtocolMetadata[];
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED and its id. */
  requireKnownMemberId: boolean;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface SyncParams extends MemberIdentity {
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface ClassicMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: ProtocolMetadata[];
  assignment: Uint8Array;
  /** Answers the member's parked JoinGroup; null when none is parked. */
  awaitingJoin: ((result: JoinResult) => void) | null;
  /** Answers the member's parked SyncGroup; null when none is parked. */
  awaitingSync: ((result: SyncResult) => void) | null;
}

export const noBytes = new Uint8Array(0);

export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId, skipAssignment: false, members: [] };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: noBytes };
}

/** Whether two protocol lists are the same names with the same metadata bytes, in the same order. */
export function sameProtocols(a: readonly ProtocolMetadata[], b: readonly ProtocolMetadata[]): boolean {
  return a.length === b.length && a.every((protocol, index) => protocol.name === b[index].name && Buffer.from(protocol.metadata).equals(b[index].metadata));
}

/** Protocols every member supports. */
export function candidateProtocols(members: ReadonlyMap<string, ClassicMember>): Set<string> {
  const candidates = new Map<string, number>();
  for (const member of members.values()) {
    for (const protocol of member.protocols) candidates.set(protocol.name, (candidates.get(protocol.name) ?? 0) + 1);
  }
  return new Set([...candidates].filter(([, count]) => count === members.size).map(([name]) => name));
}

/** Each member votes for its most preferred protocol among those all support; most votes wins. */
export function selectProtocol(members: ReadonlyMap<string, ClassicMember>): string | null {
  const candidates = candidateProtocols(members);
  const votes = new Map<string, number>();
  for (const member of members.values()) {
    const choice = member.protocols.find((protocol) => candidates.has(protocol.name));
    if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [name, count] of votes) if (best === null || count > votes.get(best)!) best = name;
  return best;
}
