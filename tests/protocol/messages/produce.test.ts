import { describe, expect, test } from "bun:test";
import { encodeRequestFrame } from "../../../src/protocol/frames.ts";
import { decodeRequestHeader } from "../../../src/protocol/headers.ts";
import {
  type ProduceRequest,
  decodeProduceRequest,
  decodeProduceResponse,
  encodeProduceRequest,
  encodeProduceResponse,
} from "../../../src/protocol/messages/produce.ts";
import { KafkaProtocolError } from "../../../src/protocol/errors.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import { Writer } from "../../../src/protocol/writer.ts";

const ascii = (text: string) => Array.from(new TextEncoder().encode(text));
const batch = new Uint8Array([0xaa, 0xbb, 0xcc]);

const produceV3 = [
  0, 0, 0, 53, // size: 19 header bytes + 34 body bytes
  0, 0, 0, 3, 0, 0, 0, 7, 0, 9, ...ascii("producer1"),
  255, 255, // transactional_id: null
  255, 255, // acks: -1
  0, 0, 0x75, 0x30, // timeout_ms: 30000
  0, 0, 0, 1, 0, 5, ...ascii("topic"),
  0, 0, 0, 1, 0, 0, 0, 0, // one partition: index 0
  0, 0, 0, 3, 0xaa, 0xbb, 0xcc, // records
];

const request: ProduceRequest = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30000,
  topicData: [{ name: "topic", partitionData: [{ index: 0, records: batch }] }],
};

describe("Produce", () => {
  test("v3 request with one partition encodes to the exact bytes", () => {
    const frame = encodeRequestFrame({ apiKey: 0, apiVersion: 3, correlationId: 7, clientId: "producer1" }, (writer) =>
      encodeProduceRequest(writer, 3, request),
    );
    expect(Array.from(frame)).toEqual(produceV3);
  });

  test("v3 request decodes, with the records as a view of the frame", () => {
    const frame = new Uint8Array(produceV3);
    const reader = new Reader(frame, 4);
    expect(decodeRequestHeader(reader).clientId).toBe("producer1");
    const decoded = decodeProduceRequest(reader, 3);
    expect(decoded).toEqual(request);
    const records = decoded.topicData[0]!.partitionData[0]!.records!;
    expect(records.buffer).toBe(frame.buffer);
    expect(records.byteOffset).toBe(frame.length - 3);
  });

  test("a transactional id cannot be sent below v3", () => {
    const encode = () => encodeProduceRequest(new Writer(), 2, { ...request, transactionalId: "tx" });
    expect(encode).toThrow(KafkaProtocolError);
    expect(encode).toThrow(/"transactionalId" of ProduceRequest at version 2/);
    expect(() => encodeProduceRequest(new Writer(), 2, request)).not.toThrow();
  });

  test("ignorable fields are dropped silently in versions without them", () => {
    const writer = new Writer();
    const response = {
      responses: [{ name: "t", partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 42, logStartOffset: 7 }] }],
      throttleTimeMs: 5,
    };
    encodeProduceResponse(writer, 0, response);
    const decoded = decodeProduceResponse(new Reader(writer.finish()), 0);
    expect(decoded.throttleTimeMs).toBe(0);
    expect(decoded.responses[0]!.partitionResponses[0]).toEqual({
      index: 0,
      errorCode: 0,
      baseOffset: 42,
      logAppendTimeMs: -1,
      logStartOffset: -1,
      recordErrors: [],
      errorMessage: null,
      currentLeader: { leaderId: -1, leaderEpoch: -1 },
    });
  });

  test("v10 response writes currentLeader as tag 0 only when it is not the default", () => {
    const partition = { index: 0, errorCode: 6, baseOffset: -1 };
    const plain = new Writer();
    encodeProduceResponse(plain, 10, { responses: [{ name: "t", partitionResponses: [partition] }] });
    const withLeader = new Writer();
    encodeProduceResponse(withLeader, 10, {
      responses: [{ name: "t", partitionResponses: [{ ...partition, currentLeader: { leaderId: 2, leaderEpoch: 3 } }] }],
    });
    // tag 0, size 9: INT32 2, INT32 3, empty tag buffer.
    expect(withLeader.offset - plain.offset).toBe(11);
    const decoded = decodeProduceResponse(new Reader(withLeader.finish()), 10);
    expect(decoded.responses[0]!.partitionResponses[0]!.currentLeader).toEqual({ leaderId: 2, leaderEpoch: 3 });
  });
});
