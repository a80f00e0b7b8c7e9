import { describe, expect, test } from "bun:test";
import { candidateProtocols, type ClassicMember, joinError, type ProtocolMetadata, sameProtocols, selectProtocol, syncError } from "../../../src/engine/groups/classic-member.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";

function members(...preferences: string[][]): Map<string, ClassicMember> {
  return new Map(preferences.map((names, index) => {
    const memberId = `m${index}`;
    const protocols = names.map((name) => ({ name, metadata: new Uint8Array(0) }));
    return [memberId, { memberId, groupInstanceId: null, clientId: "c", clientHost: "h", sessionTimeoutMs: 1, rebalanceTimeoutMs: 1, protocolType: "consumer", protocols, assignment: new Uint8Array(0), awaitingJoin: null, awaitingSync: null }];
  }));
}

describe("protocol choice", () => {
  test("candidates are the protocols every member supports", () => {
    expect(candidateProtocols(members(["range", "sticky"], ["sticky", "range", "roundrobin"]))).toEqual(new Set(["range", "sticky"]));
    expect(candidateProtocols(members(["range"], ["sticky"]))).toEqual(new Set());
  });

  test("each member votes for its first candidate; most votes wins, the first counted on a tie", () => {
    expect(selectProtocol(members(["sticky", "range"], ["range", "sticky"], ["sticky", "range"]))).toBe("sticky");
    expect(selectProtocol(members(["range", "sticky"], ["sticky", "range"]))).toBe("range");
    expect(selectProtocol(members(["range"], ["sticky"]))).toBeNull();
  });

  test("sameProtocols compares names, order and metadata bytes", () => {
    const a: ProtocolMetadata[] = [{ name: "range", metadata: new Uint8Array([1]) }];
    expect(sameProtocols(a, [{ name: "range", metadata: new Uint8Array([1]) }])).toBe(true);
    expect(sameProtocols(a, [{ name: "range", metadata: new Uint8Array([2]) }])).toBe(false);
    expect(sameProtocols(a, [...a, ...a])).toBe(false);
  });
});

describe("error answers", () => {
  test("carry the error, no generation and no assignment", () => {
    expect(joinError("m", ErrorCode.UNKNOWN_MEMBER_ID)).toEqual({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId: "m", skipAssignment: false, members: [] });
    expect(syncError(ErrorCode.REBALANCE_IN_PROGRESS)).toEqual({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: new Uint8Array(0) });
  });
});
