// Mutators for request frames: pure functions of their input and a seeded PRNG, so a run with
// the same seed makes the same inputs and a crash can be replayed from its seed and mutation list.
// Kafka fields are not aligned, so the "length field" mutators write boundary values into a
// window anywhere in the frame; most positions are picked after the request header, so that most
// mutants reach a body decoder and a handler instead of failing on the API key.

/** mulberry32: a small, fast PRNG with a 32-bit state; good enough to pick mutations. */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, bound). */
  below(bound: number): number {
    return bound <= 0 ? 0 : this.next() % bound;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
}

/** One byte a mutator may write: the values that sit on sign and varint boundaries. */
export const interestingBytes = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff] as const;
export const interestingInt16s = [-1, 0, 1, 0x7fff, -0x8000, 0x7ffe, 0x00ff, 0x0100] as const;
/** INT32 lengths and counts: null, empty, huge, just over and under Reader's arrayLengthMax (2^24). */
export const interestingInt32s = [-1, 0, 1, -2, 0x7fffffff, -0x80000000, 0x00ffffff, 0x01000000, 0x01000001, 0x10000000, 0x7ffffffe, 0x0000ffff] as const;
/** Unsigned varints that overflow 32 bits, or are 5 bytes of the largest value, or never end. */
export const overflowingVarints: readonly (readonly number[])[] = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0x7f],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x08],
  [0xfe, 0xff, 0xff, 0x07],
];

/** Largest frame a mutant may grow to: mutants exercise decoders, not the frame size limit. */
export const mutantBytesMax = 64 * 1024;
/** Longest junk run `extend` appends, and longest chunk `duplicate` repeats. */
const junkBytesMax = 256;
/** How many mutations one mutant stacks, at most. */
export const stackedMutationsMax = 4;

export interface MutationInput {
  /** The frame being mutated (header and body, no size prefix). */
  bytes: Uint8Array;
  /** Where the request body starts: most positions are picked at or after it. */
  bodyStart: number;
  /** Another seed's frame, for splicing. */
  other: Uint8Array;
}

type Mutator = (input: MutationInput, prng: Prng) => { bytes: Uint8Array; step: string };

/** A position in [0, length - width], after the header with probability 0.85. */
function position(input: MutationInput, prng: Prng, width: number): number {
  const last = input.bytes.length - width;
  if (last < 0) return 0;
  const from = prng.chance(0.85) ? Math.min(input.bodyStart, last) : 0;
  return from + prng.below(last - from + 1);
}

function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function join(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

function junk(prng: Prng, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = prng.chance(0.5) ? prng.pick(interestingBytes) : prng.below(256);
  return bytes;
}

const bitFlip: Mutator = (input, prng) => {
  if (input.bytes.length === 0) return { bytes: input.bytes, step: "bitFlip(empty)" };
  const bytes = copy(input.bytes);
  const flips = 1 + prng.below(4);
  const at: number[] = [];
  for (let i = 0; i < flips; i++) {
    const index = position(input, prng, 1);
    const bit = prng.below(8);
    bytes[index] ^= 1 << bit;
    at.push(index * 8 + bit);
  }
  return { bytes, step: `bitFlip(bits ${at.join(",")})` };
};

const interestingByte: Mutator = (input, prng) => {
  if (input.bytes.length === 0) return { bytes: input.bytes, step: "interestingByte(empty)" };
  const bytes = copy(input.bytes);
  const index = position(input, prng, 1);
  bytes[index] = prng.pick(interestingBytes);
  return { bytes, step: `interestingByte(${index}=0x${bytes[index].toString(16)})` };
};

function boundaryWindow(width: 2 | 4, values: readonly number[]): Mutator {
  return (input, prng) => {
    if (input.bytes.length < width) return { bytes: input.bytes, step: `int${width * 8}(short)` };
    const bytes = copy(input.bytes);
    const view = new DataView(bytes.buffer);
    const index = position(input, prng, width);
    const value = prng.pick(values);
    if (width === 2) view.setInt16(index, value);
    else view.setInt32(index, value);
    return { bytes, step: `int${width * 8}(${index}=${value})` };
  };
}

const truncate: Mutator = (input, prng) => {
  const length = prng.below(input.bytes.length);
  return { bytes: input.bytes.slice(0, length), step: `truncate(${length})` };
};

const extend: Mutator = (input, prng) => {
  const length = 1 + prng.below(junkBytesMax);
  return { bytes: join(input.bytes, junk(prng, length)), step: `extend(${length})` };
};

const insertJunk: Mutator = (input, prng) => {
  const index = position(input, prng, 0);
  const length = 1 + prng.below(16);
  return { bytes: join(input.bytes.subarray(0, index), junk(prng, length), input.bytes.subarray(index)), step: `insertJunk(${index}+${length})` };
};

const deleteChunk: Mutator = (input, prng) => {
  if (input.bytes.length === 0) return { bytes: input.bytes, step: "deleteChunk(empty)" };
  const index = position(input, prng, 1);
  const length = 1 + prng.below(Math.min(32, input.bytes.length - index));
  return { bytes: join(input.bytes.subarray(0, index), input.bytes.subarray(index + length)), step: `deleteChunk(${index}-${length})` };
};

/** Repeats a chunk several times: arrays whose count no longer matches, or that grow long. */
const duplicateChunk: Mutator = (input, prng) => {
  if (input.bytes.length === 0) return { bytes: input.bytes, step: "duplicateChunk(empty)" };
  const index = position(input, prng, 1);
  const length = 1 + prng.below(Math.min(junkBytesMax, input.bytes.length - index));
  const times = 1 + prng.below(8);
  const chunk = input.bytes.subarray(index, index + length);
  const copies = Array.from({ length: times }, () => chunk);
  return { bytes: join(input.bytes.subarray(0, index + length), ...copies, input.bytes.subarray(index + length)), step: `duplicateChunk(${index}+${length}x${times})` };
};

/** Overwrites (or inserts) a varint that overflows 32 bits or is one of the largest values. */
const varintOverflow: Mutator = (input, prng) => {
  const run = Uint8Array.from(prng.pick(overflowingVarints));
  const index = position(input, prng, 0);
  if (prng.chance(0.5)) {
    return { bytes: join(input.bytes.subarray(0, index), run, input.bytes.subarray(index)), step: `varintInsert(${index}:${run.length})` };
  }
  return { bytes: join(input.bytes.subarray(0, index), run, input.bytes.subarray(index + run.length)), step: `varintOverwrite(${index}:${run.length})` };
};

/** The start of this frame, then the rest of another seed's frame from some point. */
const splice: Mutator = (input, prng) => {
  const cut = position(input, prng, 0);
  const from = prng.below(input.other.length + 1);
  return { bytes: join(input.bytes.subarray(0, cut), input.other.subarray(from)), step: `splice(${cut}|${from})` };
};

export const mutators: ReadonlyArray<readonly [name: string, mutator: Mutator, weight: number]> = [
  ["bitFlip", bitFlip, 4],
  ["interestingByte", interestingByte, 3],
  ["int16", boundaryWindow(2, interestingInt16s), 3],
  ["int32", boundaryWindow(4, interestingInt32s), 4],
  ["truncate", truncate, 2],
  ["extend", extend, 1],
  ["insertJunk", insertJunk, 1],
  ["deleteChunk", deleteChunk, 1],
  ["duplicateChunk", duplicateChunk, 2],
  ["varintOverflow", varintOverflow, 3],
  ["splice", splice, 1],
];

const totalWeight = mutators.reduce((sum, [, , weight]) => sum + weight, 0);

function pickMutator(prng: Prng): Mutator {
  let roll = prng.below(totalWeight);
  for (const [, mutator, weight] of mutators) {
    if (roll < weight) return mutator;
    roll -= weight;
  }
  return mutators[0][1];
}

export interface Mutant {
  bytes: Uint8Array;
  /** The mutations applied, in order, as `name(detail)`. */
  steps: string[];
}

/** One to `stackedMutationsMax` mutations of `input.bytes`; the result is at most `mutantBytesMax` bytes. */
export function mutate(input: MutationInput, prng: Prng): Mutant {
  const count = 1 + prng.below(stackedMutationsMax);
  let bytes = input.bytes;
  const steps: string[] = [];
  for (let i = 0; i < count; i++) {
    const result = pickMutator(prng)({ ...input, bytes }, prng);
    bytes = result.bytes.length > mutantBytesMax ? result.bytes.slice(0, mutantBytesMax) : result.bytes;
    steps.push(result.step);
  }
  return { bytes: bytes === input.bytes ? copy(bytes) : bytes, steps };
}
