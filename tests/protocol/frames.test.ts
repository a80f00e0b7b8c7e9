import { describe, expect, test } from "bun:test";
import { FrameSizeError, FrameSplitter, encodeRequestFrame, partialFrameBytesInitial, readFrameSize } from "../../src/protocol/frames.ts";

function frame(...body: number[]): number[] {
  return [0, 0, body.length >> 8, body.length & 0xff, ...body];
}

describe("readFrameSize", () => {
  test("reads the INT32 prefix, or null when it has not fully arrived", () => {
    expect(readFrameSize(new Uint8Array([0, 0, 1, 2]), 0)).toBe(258);
    expect(readFrameSize(new Uint8Array([9, 255, 255, 255, 255]), 1)).toBe(-1);
    expect(readFrameSize(new Uint8Array([0, 0, 1]), 0)).toBeNull();
  });
});

describe("FrameSplitter", () => {
  test("several frames in one chunk come back as views of it", () => {
    const chunk = new Uint8Array([...frame(1, 2, 3), ...frame(), ...frame(4)]);
    const frames = new FrameSplitter(100).push(chunk);
    expect(frames.map((f) => Array.from(f))).toEqual([[1, 2, 3], [], [4]]);
    expect(frames[0]!.buffer).toBe(chunk.buffer);
  });

  test("a frame split at every possible byte boundary is reassembled", () => {
    const stream = [...frame(1, 2, 3, 4, 5), ...frame(6, 7)];
    for (let cut = 0; cut <= stream.length; cut++) {
      const splitter = new FrameSplitter(100);
      const first = splitter.push(new Uint8Array(stream.slice(0, cut)));
      const second = splitter.push(new Uint8Array(stream.slice(cut)));
      expect([...first, ...second].map((f) => Array.from(f))).toEqual([[1, 2, 3, 4, 5], [6, 7]]);
      expect(splitter.pendingBytes).toBe(0);
    }
  });

  test("byte-at-a-time input yields the same frames", () => {
    const stream = [...frame(1, 2, 3), ...frame(9)];
    const splitter = new FrameSplitter(100);
    const frames = stream.flatMap((byte) => splitter.push(new Uint8Array([byte])));
    expect(frames.map((f) => Array.from(f))).toEqual([[1, 2, 3], [9]]);
  });

  test("a partial tail is copied, so reusing the chunk's buffer is safe", () => {
    const splitter = new FrameSplitter(100);
    const chunk = new Uint8Array([0, 0, 0, 3, 1, 2]);
    expect(splitter.push(chunk)).toEqual([]);
    expect(splitter.pendingBytes).toBe(6);
    chunk.fill(0xff);
    expect(splitter.push(new Uint8Array([3])).map((f) => Array.from(f))).toEqual([[1, 2, 3]]);
  });

  test("a size above the maximum or below zero is an error", () => {
    expect(() => new FrameSplitter(10).push(new Uint8Array(frame(...new Array(11).fill(0))))).toThrow(FrameSizeError);
    expect(() => new FrameSplitter(10).push(new Uint8Array([0, 0, 0, 11]))).toThrow(/exceeds the maximum of "10"/);
    expect(() => new FrameSplitter(10).push(new Uint8Array([255, 255, 255, 254]))).toThrow(/"-2".*negative/);
    const splitter = new FrameSplitter(10);
    splitter.push(new Uint8Array([0, 0]));
    expect(() => splitter.push(new Uint8Array([1, 0]))).toThrow(FrameSizeError);
  });

  test("splits what encodeRequestFrame produces", () => {
    const bytes = encodeRequestFrame({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: "c" }, () => {});
    const frames = new FrameSplitter(1024).push(bytes);
    expect(frames.length).toBe(1);
    expect(frames[0]!.length).toBe(bytes.length - 4);
  });

  test("a size prefix alone commits no more memory than the bytes that follow it (found by the request fuzzer)", () => {
    const size = 100 * 1024 * 1024;
    const splitter = new FrameSplitter(size);
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setInt32(0, size);
    expect(splitter.push(prefix)).toEqual([]);
    expect(splitter.bufferedBytes).toBe(partialFrameBytesInitial);
    expect(splitter.push(new Uint8Array(200_000))).toEqual([]);
    expect(splitter.bufferedBytes).toBeLessThanOrEqual(2 * (200_000 + 4));
  });

  test("a frame grown across many chunks comes back whole and exactly its size", () => {
    const body = Uint8Array.from({ length: 300_000 }, (_, index) => index % 251);
    const bytes = new Uint8Array(4 + body.length);
    new DataView(bytes.buffer).setInt32(0, body.length);
    bytes.set(body, 4);
    const splitter = new FrameSplitter(1 << 20);
    const frames: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 7_001) frames.push(...splitter.push(bytes.slice(at, at + 7_001)));
    expect(frames.length).toBe(1);
    expect(frames[0]!.length).toBe(body.length);
    expect(frames[0]).toEqual(body);
    expect(splitter.pendingBytes).toBe(0);
  });
});
