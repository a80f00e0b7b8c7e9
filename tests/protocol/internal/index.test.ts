// Kafka's internal record formats (the keys and values of __consumer_offsets and
// __transaction_state), generated like the API codecs: the committed files must be what the
// generator writes from the committed digest, and the bytes must be Kafka's, checked here
// against records written out field by field.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { dataFile, kebabCase } from "../../../scripts/gen-protocol/emit.ts";
import { digestText, internalDigestPath, readDigest } from "../../../scripts/gen-protocol/digest.ts";
import { resolveMessage } from "../../../scripts/gen-protocol/schema.ts";
import { GroupMetadataValue } from "../../../src/protocol/internal/group-metadata-value.ts";
import { OffsetCommitKey } from "../../../src/protocol/internal/offset-commit-key.ts";
import { OffsetCommitValue } from "../../../src/protocol/internal/offset-commit-value.ts";
import { TransactionLogValue } from "../../../src/protocol/internal/transaction-log-value.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import { Writer } from "../../../src/protocol/writer.ts";

const folder = path.dirname(internalDigestPath);

function encoded<T>(codec: { encode(writer: Writer, version: number, value: T): void }, version: number, value: T): string {
  const writer = new Writer();
  codec.encode(writer, version, value);
  return Buffer.from(writer.finish()).toString("hex");
}

function decoded<T>(codec: { decode(reader: Reader, version: number): T }, version: number, hex: string): T {
  const reader = new Reader(Uint8Array.from(Buffer.from(hex, "hex")));
  const value = codec.decode(reader, version);
  expect(reader.remaining).toBe(0);
  return value;
}

describe("internal record formats", () => {
  const digest = readDigest(internalDigestPath);

  test("every generated file is the generator's output from the committed digest, and the digest holds facts only", () => {
    const files = readdirSync(folder).filter((name) => name.endsWith(".ts")).sort();
    expect(files).toEqual([...digest.keys()].map((name) => `${kebabCase(name)}.ts`).sort());
    for (const definition of digest.values()) {
      expect(readFileSync(path.join(folder, `${kebabCase(definition.name)}.ts`), "utf8"), definition.name).toBe(dataFile(resolveMessage(definition)));
    }
    const text = readFileSync(internalDigestPath, "utf8");
    expect(text).not.toContain('"about"');
    expect(digestText([...digest.values()])).toBe(text);
  });

  test("an offset commit key and value are Kafka's bytes", () => {
    // group "g1", topic "t", partition 3: strings are an int16 length and the bytes.
    const key = "0002" + "6731" + "0001" + "74" + "00000003";
    expect(encoded(OffsetCommitKey, 1, { group: "g1", topic: "t", partition: 3 })).toBe(key);
    expect(decoded(OffsetCommitKey, 1, key)).toEqual({ group: "g1", topic: "t", partition: 3 });
    // Version 3: offset int64, leader epoch int32, metadata string, commit timestamp int64.
    const v3 = "000000000000002a" + "00000005" + "0000" + "00000000000003e8";
    expect(encoded(OffsetCommitValue, 3, { offset: 42, leaderEpoch: 5, metadata: "", commitTimestamp: 1000 })).toBe(v3);
    expect(decoded(OffsetCommitValue, 3, v3)).toMatchObject({ offset: 42, leaderEpoch: 5, metadata: "", commitTimestamp: 1000 });
    // Version 4 is flexible: the metadata is a compact string (length + 1), then no tagged fields.
    const v4 = "000000000000002a" + "00000005" + "026d" + "00000000000003e8" + "00";
    expect(encoded(OffsetCommitValue, 4, { offset: 42, leaderEpoch: 5, metadata: "m", commitTimestamp: 1000 })).toBe(v4);
    // Version 1 has the expire timestamp instead of the leader epoch.
    expect(encoded(OffsetCommitValue, 1, { offset: 1, metadata: "", commitTimestamp: 2, expireTimestamp: 3 })).toBe("0000000000000001" + "0000" + "0000000000000002" + "0000000000000003");
  });

  test("a group's metadata and a transaction's state round-trip at every version", () => {
    const member = { memberId: "m-1", groupInstanceId: null, clientId: "c", clientHost: "/127.0.0.1", rebalanceTimeout: 300000, sessionTimeout: 45000, subscription: new Uint8Array([1, 2]), assignment: new Uint8Array([3]) };
    for (let version = GroupMetadataValue.minVersion; version <= GroupMetadataValue.maxVersion; version++) {
      const group = { protocolType: "consumer", generation: 7, protocol: "range", leader: "m-1", currentStateTimestamp: version >= 2 ? 123 : -1, members: [member] };
      const again = decoded(GroupMetadataValue, version, encoded(GroupMetadataValue, version, group));
      expect(again).toMatchObject({ protocolType: "consumer", generation: 7, protocol: "range", leader: "m-1" });
      expect(again.members[0]).toMatchObject({ memberId: "m-1", clientId: "c", sessionTimeout: 45000, subscription: new Uint8Array([1, 2]) });
    }
    const transaction = { producerId: 1000, producerEpoch: 2, transactionTimeoutMs: 60000, transactionStatus: 1, transactionPartitions: [{ topic: "out", partitionIds: [0, 2] }], transactionLastUpdateTimestampMs: 5, transactionStartTimestampMs: 4 };
    for (const version of [0, 1]) {
      expect(decoded(TransactionLogValue, version, encoded(TransactionLogValue, version, transaction))).toMatchObject({ producerId: 1000, producerEpoch: 2, transactionStatus: 1, transactionPartitions: [{ topic: "out", partitionIds: [0, 2] }] });
    }
    // The tagged previous producer id exists from version 1 on; version 0 refuses to drop it.
    const withPrevious = { ...transaction, previousProducerId: 999 };
    expect(decoded(TransactionLogValue, 1, encoded(TransactionLogValue, 1, withPrevious)).previousProducerId).toBe(999);
    expect(() => encoded(TransactionLogValue, 0, withPrevious)).toThrow("needs version 1+");
  });
});
