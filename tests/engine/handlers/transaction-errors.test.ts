import { describe, expect, test } from "bun:test";
import { fencedFor } from "../../../src/engine/handlers/transaction-errors.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";

describe("fencedFor", () => {
  test("PRODUCER_FENCED stays from the version that knows it, and is INVALID_PRODUCER_EPOCH before", () => {
    expect(fencedFor(ErrorCode.PRODUCER_FENCED, 2, 2)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(fencedFor(ErrorCode.PRODUCER_FENCED, 5, 3)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(fencedFor(ErrorCode.PRODUCER_FENCED, 1, 2)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(fencedFor(ErrorCode.PRODUCER_FENCED, 0, 3)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  test("every other code passes through at every version", () => {
    for (const code of [ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE, ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.COORDINATOR_NOT_AVAILABLE]) {
      for (const version of [0, 1, 5]) expect(fencedFor(code, version, 2)).toBe(code);
    }
  });
});
