// The `consume -o` grammar: rpk's offsets, plus kcat's spellings.
//
//   start | oldest | beginning   from the first record         end | newest   from the next one written
//   N | N:                       from offset N                 +N / -N      N after the start / before the end
//   :end                         from the start to the current end (then exit)
//   :N | N:M | N:end             up to offset N or M (exclusive) / to the current end
//   @T | @T:                     from the first record at or after time T
//   @:T | @T1:T2                 up to the first record at or after T / T2 (exclusive)
//   s@T / e@T                    kcat: start at / end at time T
//
// A time is Unix milliseconds (13+ digits), Unix seconds (fewer digits), an ISO date
// (2024-05-01), an RFC 3339 time (2024-05-01T10:00:00Z), or a duration before now (-1h, -30m,
// -10s, -2d, -500ms). After ':' a time may also be +duration, counted from the start time.

import type { StartPosition, StopPosition } from "../client/index.ts";

export interface OffsetRange {
  start: StartPosition;
  /** null: keep reading (unless -e). */
  stopAt: StopPosition | null;
}

export class OffsetSpecError extends Error {
  override name = "OffsetSpecError";
}

const durationUnitsMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const durationPattern = /^([+-])(\d+)(ms|s|m|h|d)$/;

/** Milliseconds for a time as written after '@', or null if it is not one. `base` anchors +duration. */
export function parseTimestamp(text: string, now: number, base: number | null = null): number | null {
  const duration = durationPattern.exec(text);
  if (duration) {
    const ms = Number(duration[2]) * (durationUnitsMs[duration[3]] ?? 1);
    if (duration[1] === "-") return now - ms;
    return base === null ? null : base + ms;
  }
  if (/^\d+$/.test(text)) return text.length >= 13 ? Number(text) : Number(text) * 1000;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function startOf(text: string): StartPosition | null {
  if (text === "" || text === "start" || text === "oldest" || text === "beginning") return "beginning";
  if (text === "end" || text === "newest") return "end";
  if (/^\d+$/.test(text)) return { offset: Number(text) };
  if (/^\+\d+$/.test(text)) return { fromStart: Number(text.slice(1)) };
  if (/^-\d+$/.test(text)) return { fromEnd: Number(text.slice(1)) };
  return null;
}

function stopOf(text: string): StopPosition | null | undefined {
  if (text === "") return null;
  if (text === "end") return "end";
  if (/^\d+$/.test(text)) return { offset: Number(text) };
  return undefined;
}

/** Splits "T1:T2" into two times; RFC 3339 times contain colons, so every split is tried. */
function timeRange(text: string, now: number): OffsetRange | null {
  const whole = parseTimestamp(text, now);
  if (whole !== null) return { start: { timestamp: whole }, stopAt: null };
  for (let at = text.indexOf(":"); at !== -1; at = text.indexOf(":", at + 1)) {
    const left = text.slice(0, at);
    const right = text.slice(at + 1);
    const from = left === "" ? null : parseTimestamp(left, now);
    if (left !== "" && from === null) continue;
    const to = right === "" ? null : parseTimestamp(right, now, from ?? now);
    if (right !== "" && to === null) continue;
    return { start: from === null ? "beginning" : { timestamp: from }, stopAt: to === null ? null : { timestamp: to } };
  }
  return null;
}

/** Parses a `-o` value; throws OffsetSpecError naming the accepted forms. */
export function parseOffsetSpec(text: string, now = Date.now()): OffsetRange {
  const fail = () =>
    new OffsetSpecError(`"${text}" is not an offset: use start, end, N, +N, -N, :end, N:M, @time, @time1:time2, s@time or e@time`);
  if (text.startsWith("s@") || text.startsWith("e@")) {
    const time = parseTimestamp(text.slice(2), now);
    if (time === null) throw fail();
    return text[0] === "s" ? { start: { timestamp: time }, stopAt: null } : { start: "beginning", stopAt: { timestamp: time } };
  }
  if (text.startsWith("@")) {
    const range = timeRange(text.slice(1), now);
    if (range === null) throw fail();
    return refuseEmpty(text, range);
  }
  const colon = text.indexOf(":");
  const start = startOf(colon === -1 ? text : text.slice(0, colon));
  const stopAt = colon === -1 ? null : stopOf(text.slice(colon + 1));
  if (start === null || stopAt === undefined || (colon === -1 && text === "")) throw fail();
  return refuseEmpty(text, { start, stopAt });
}

/** A range whose end is not after its start would print nothing and exit 0, hiding a typo such as "5:2". */
function refuseEmpty(text: string, range: OffsetRange): OffsetRange {
  const { start, stopAt } = range;
  if (stopAt === null || stopAt === "end" || start === "beginning" || start === "end") return range;
  if ("offset" in start && "offset" in stopAt && stopAt.offset <= start.offset) {
    throw new OffsetSpecError(`"${text}" is an empty range: the end offset "${stopAt.offset}" is not after the start offset "${start.offset}"`);
  }
  if ("timestamp" in start && "timestamp" in stopAt && stopAt.timestamp <= start.timestamp) {
    const time = (ms: number) => new Date(ms).toISOString();
    throw new OffsetSpecError(`"${text}" is an empty range: the end time "${time(stopAt.timestamp)}" is not after the start time "${time(start.timestamp)}"`);
  }
  return range;
}
