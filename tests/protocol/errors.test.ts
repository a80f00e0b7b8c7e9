import { describe, expect, test } from "bun:test";
import { ErrorCode, KafkaProtocolError, errorName, isRetriable } from "../../src/protocol/errors.ts";

describe("error codes", () => {
  test("codes match Kafka's numbering", () => {
    expect(ErrorCode.UNKNOWN_SERVER_ERROR).toBe(-1);
    expect(ErrorCode.NONE).toBe(0);
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.UNKNOWN_TOPIC_ID).toBe(100);
    expect(ErrorCode.TRANSACTION_ABORTABLE).toBe(120);
  });

  test("codes are unique and contiguous from -1", () => {
    const codes: number[] = Object.values(ErrorCode).sort((a, b) => a - b);
    expect(codes).toEqual(codes.map((_, i) => i - 1));
  });

  test("names and retriability", () => {
    expect(errorName(3)).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(errorName(9999)).toBe("UNKNOWN_ERROR_CODE_9999");
    expect(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe(true);
    expect(isRetriable(ErrorCode.TOPIC_AUTHORIZATION_FAILED)).toBe(false);
    expect(isRetriable(ErrorCode.NONE)).toBe(false);
  });

  test("KafkaProtocolError names the error and carries code and retriability", () => {
    const error = new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, 'partition "t-0"');
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('Kafka error LEADER_NOT_AVAILABLE (5): partition "t-0"');
    expect(error.code).toBe(5);
    expect(error.retriable).toBe(true);
    expect(new KafkaProtocolError(35).message).toBe("Kafka error UNSUPPORTED_VERSION (35)");
  });
});
