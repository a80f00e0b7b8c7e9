import { describe, expect, test } from "bun:test";
import { encodeRequestFrame } from "../../../src/protocol/frames.ts";
import {
  decodeMetadataRequest,
  decodeMetadataResponse,
  encodeMetadataRequest,
  encodeMetadataResponse,
} from "../../../src/protocol/messages/metadata.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import { Writer } from "../../../src/protocol/writer.ts";

const ascii = (text: string) => Array.from(new TextEncoder().encode(text));

describe("Metadata", () => {
  test("v1 request for one topic: header v1 and a classic topic array", () => {
    const frame = encodeRequestFrame({ apiKey: 3, apiVersion: 1, correlationId: 2, clientId: "kafkajs" }, (writer) =>
      encodeMetadataRequest(writer, 1, { topics: [{ name: "test" }] }),
    );
    expect(Array.from(frame)).toEqual([
      0, 0, 0, 27,
      0, 3, 0, 1, 0, 0, 0, 2, 0, 7, ...ascii("kafkajs"),
      0, 0, 0, 1, 0, 4, ...ascii("test"),
    ]);
  });

  test("v1 request with null topics asks for all topics", () => {
    const writer = new Writer();
    encodeMetadataRequest(writer, 1, { topics: null });
    expect(Array.from(writer.finish())).toEqual([255, 255, 255, 255]);
    const decoded = decodeMetadataRequest(new Reader(writer.finish()), 1);
    expect(decoded.topics).toBeNull();
    expect(decoded.allowAutoTopicCreation).toBe(true);
  });

  test("v0 cannot carry null topics", () => {
    expect(() => encodeMetadataRequest(new Writer(), 0, { topics: null })).toThrow(/"topics"/);
  });

  test("v12 response round trips topic ids and nullable names", () => {
    const response = {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: "localhost", port: 9092, rack: null }],
      clusterId: "chronik",
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: null,
          topicId: "0123456789abcdef0123456789abcdef",
          isInternal: false,
          partitions: [],
          topicAuthorizedOperations: -2147483648,
        },
      ],
    };
    const writer = new Writer();
    encodeMetadataResponse(writer, 12, response);
    const decoded = decodeMetadataResponse(new Reader(writer.finish()), 12);
    expect(decoded.topics[0]!.name).toBeNull();
    expect(decoded.topics[0]!.topicId).toBe("0123456789abcdef0123456789abcdef");
    expect(decoded.brokers).toEqual(response.brokers);
  });
});
