// Structure-aware mutation: changes fields of a decoded request value (boundary numbers, odd
// strings, nulls, empty or long arrays, corrupt record batches) and leaves the encoding to the
// generated codec, so that the mutant still decodes and reaches the handler. Byte mutations
// mostly stop at the decoder; these test what the handlers do with valid but hostile values.
// Pure: the same value and PRNG state give the same mutant.

import { type Prng, interestingBytes } from "./mutate.ts";

export const interestingNumbers = [-1, 0, 1, -2, 2, 0x7fff, -0x8000, 0xffff, 0x7fffffff, -0x80000000, 0x1_0000_0000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1000] as const;
export const interestingStrings = ["", " ", ".", "..", "a".repeat(250), "b".repeat(300), "__consumer_offsets", "__transaction_state", "fuzz", "fuzz-group", "*", "User:*", "\u0000", "é\u2028☃", "retention.ms", "cleanup.policy", "-1"] as const;
/** Most copies an array mutation makes of one element. */
const arrayCopiesMax = 200;
/** How many fields one value mutant changes, at most. */
const fieldMutationsMax = 3;

type Path = (string | number)[];

/** Every path to a field or array element, arrays included, in a stable order. */
function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    out.push(prefix);
    value.forEach((item, index) => paths(item, [...prefix, index], out));
  } else if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    for (const key of Object.keys(value).sort()) paths((value as Record<string, unknown>)[key], [...prefix, key], out);
  } else if (prefix.length > 0) {
    out.push(prefix);
  }
  return out;
}

function clone(value: unknown): unknown {
  if (value instanceof Uint8Array) return value.slice();
  if (Array.isArray(value)) return value.map(clone);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clone(item)]));
  return value;
}

function corruptBytes(bytes: Uint8Array, prng: Prng): Uint8Array {
  const choice = prng.below(4);
  if (choice === 0) return new Uint8Array(0);
  if (choice === 1) return bytes.slice(0, prng.below(bytes.length + 1));
  const copy = bytes.slice();
  for (let i = 0; i < 1 + prng.below(4) && copy.length > 0; i++) copy[prng.below(copy.length)] = choice === 2 ? prng.pick(interestingBytes) : prng.below(256);
  return copy;
}

function mutateLeaf(leaf: unknown, prng: Prng): unknown {
  if (prng.chance(0.08)) return null;
  if (typeof leaf === "number") return prng.chance(0.8) ? prng.pick(interestingNumbers) : leaf + prng.pick([-1, 1]);
  if (typeof leaf === "string") return prng.pick(interestingStrings);
  if (typeof leaf === "boolean") return !leaf;
  if (leaf instanceof Uint8Array) return corruptBytes(leaf, prng);
  return leaf;
}

function mutateArray(items: unknown[], prng: Prng): unknown[] {
  const choice = prng.below(4);
  if (choice === 0 || items.length === 0) return [];
  if (choice === 1) return Array.from({ length: 2 + prng.below(arrayCopiesMax) }, () => clone(items[0]));
  if (choice === 2) return [...items, ...items.map(clone)];
  return items.slice(1);
}

/** A copy of `value` with one to three fields changed; `steps` says which and how. */
export function mutateValue(value: Record<string, unknown>, prng: Prng): { value: Record<string, unknown>; steps: string[] } {
  const mutant = clone(value) as Record<string, unknown>;
  const steps: string[] = [];
  const count = 1 + prng.below(fieldMutationsMax);
  for (let i = 0; i < count; i++) {
    const all = paths(mutant);
    if (all.length === 0) break;
    const path = prng.pick(all);
    let parent: Record<string | number, unknown> = mutant;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const key = path[path.length - 1];
    const before = parent[key];
    const after = Array.isArray(before) ? (prng.chance(0.1) ? null : mutateArray(before, prng)) : mutateLeaf(before, prng);
    parent[key] = after;
    steps.push(`value(${path.join(".")}=${describe(after)})`);
  }
  return { value: mutant, steps };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length}]`;
  if (value instanceof Uint8Array) return `bytes(${value.length})`;
  if (typeof value === "string") return JSON.stringify(value.length > 20 ? `${value.slice(0, 8)}…(${value.length})` : value);
  return String(value);
}
