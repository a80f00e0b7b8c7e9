// Every generated request and response at every version: a sample value built from the digest
// of Kafka's definitions (non-default values everywhere, or null wherever the version allows) encodes,
// decodes back to the same value with every field filled, and re-encodes to the same bytes.

import { describe, expect, test } from "bun:test";
import { digestMessage, readDigest } from "../../../scripts/gen-protocol/digest.ts";
import { type Field, type FieldType, type Message, type Struct, resolveMessage } from "../../../scripts/gen-protocol/schema.ts";
import { defaultValue } from "../../../scripts/gen-protocol/types.ts";
import type { Versions } from "../../../scripts/gen-protocol/versions.ts";
import { type ApiCodec, apiByKey } from "../../../src/protocol/messages/index.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import { Writer } from "../../../src/protocol/writer.ts";

/** The facts of Kafka's definitions the codecs were generated from, committed in the repository. */
const digest = readDigest();

type Sample = Record<string, unknown>;

function has(range: Versions, version: number): boolean {
  return range !== null && version >= range.min && version <= range.max;
}

function samplePrimitive(type: FieldType, field: Field): unknown {
  if (type.kind !== "primitive") throw new Error("Expected a primitive");
  switch (type.primitive) {
    case "int8":
      return 7;
    case "int16":
      return 1234;
    case "int32":
      return 123456;
    case "int64":
      return -(2 ** 40) - 3;
    case "uint16":
      return 65000;
    case "float64":
      return 0.25;
    case "bool":
      return true;
    case "string":
      return `${field.property}-é`;
    case "uuid":
      return "0123456789abcdef0123456789abcdef";
    case "bytes":
      return new Uint8Array([1, 2, 3]);
    case "records":
      return new Uint8Array([4, 5, 6, 7]);
  }
}

function sampleOf(type: FieldType, field: Field, version: number, nulls: boolean): unknown {
  if (type.kind === "struct") return sampleStruct(type.struct, version, nulls);
  if (type.kind === "array") return [0, 1].map(() => sampleOf(type.item, field, version, nulls));
  return samplePrimitive(type, field);
}

function sampleStruct(struct: Struct, version: number, nulls: boolean): Sample {
  const sample: Sample = {};
  for (const field of struct.fields) {
    if (!has(field.versions, version)) continue;
    const useNull = nulls && has(field.nullableVersions, version);
    sample[field.property] = useNull ? null : sampleOf(field.type, field, version, nulls);
  }
  return sample;
}

/** Primitive defaults as plain values (struct defaults are checked field by field instead). */
function simpleDefault(field: Field): unknown {
  const text = defaultValue(field);
  if (text === "emptyBytes") return new Uint8Array(0);
  if (text === "[]") return [];
  return text.startsWith("default") ? undefined : JSON.parse(text);
}

/** Decoded values carry every field: sample values where the version has the field, defaults elsewhere. */
function expectDecoded(struct: Struct, version: number, decoded: Sample, sample: Sample, where: string): void {
  for (const field of struct.fields) {
    const label = `${where}.${field.property}`;
    expect(field.property in decoded, label).toBe(true);
    const actual = decoded[field.property];
    if (!has(field.versions, version)) {
      const fallback = simpleDefault(field);
      if (fallback !== undefined) expect(actual, label).toEqual(fallback);
      continue;
    }
    const expected = sample[field.property];
    const type = field.type;
    if (expected === null || type.kind === "primitive") {
      expect(actual, label).toEqual(expected);
    } else if (type.kind === "struct") {
      expectDecoded(type.struct, version, actual as Sample, expected as Sample, label);
    } else {
      expect((actual as unknown[]).length, label).toBe((expected as unknown[]).length);
      const item = type.item;
      (expected as unknown[]).forEach((value, i) => {
        if (item.kind === "struct") {
          expectDecoded(item.struct, version, (actual as Sample[])[i]!, value as Sample, `${label}[${i}]`);
        } else {
          expect((actual as unknown[])[i], `${label}[${i}]`).toEqual(value);
        }
      });
    }
  }
}

function roundTrip(
  message: Message,
  version: number,
  nulls: boolean,
  encode: ApiCodec["encodeRequest"],
  decode: ApiCodec["decodeRequest"],
): void {
  const sample = sampleStruct(message.root, version, nulls);
  const writer = new Writer();
  encode.call(null, writer, version, sample);
  const bytes = writer.finish().slice();
  const reader = new Reader(bytes);
  const decoded = decode.call(null, reader, version) as Sample;
  expect(reader.remaining, `${message.name} v${version}: bytes left over`).toBe(0);
  expectDecoded(message.root, version, decoded, sample, `${message.name} v${version}`);
  const again = new Writer();
  encode.call(null, again, version, decoded);
  expect(again.finish(), `${message.name} v${version}: re-encoding differs`).toEqual(bytes);
}

describe("generated codecs round trip at every version", () => {
  for (const codec of apiByKey.values()) {
    const request = resolveMessage(digestMessage(digest, `${codec.name}Request`));
    const response = resolveMessage(digestMessage(digest, `${codec.name}Response`));
    test(`${codec.name} v${codec.minVersion}-${codec.maxVersion}`, () => {
      for (let version = codec.minVersion; version <= codec.maxVersion; version++) {
        for (const nulls of [false, true]) {
          roundTrip(request, version, nulls, codec.encodeRequest, codec.decodeRequest);
          roundTrip(response, version, nulls, codec.encodeResponse, codec.decodeResponse);
        }
      }
    });
  }

  test("every listed API has a codec", () => {
    expect(apiByKey.size).toBe(43);
  });
});
