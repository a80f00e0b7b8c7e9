// Flag parsers shared by commands: each turns a string into a checked value or a clear error.

import { InvalidArgumentError } from "@commander-js/extra-typings";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`"${value}" is not a port number (0-65535)`);
  return port;
}

export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return number;
}

export function parseNonNegativeInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError(`"${value}" is not a whole number of 0 or more`);
  return number;
}

export function parseBoolean(value: string): boolean {
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  throw new InvalidArgumentError(`"${value}" is not true or false`);
}

/** Sizes like 1048576, 512KiB, 64MiB, 1GiB (also KB/MB/GB, meaning the same powers of two). */
export function parseByteSize(value: string): number {
  const match = /^(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`"${value}" is not a size (e.g. 1048576, 64MiB, 1GiB)`);
  const unit = (match[2] ?? "b").toLowerCase()[0];
  const multiplier = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit] ?? 1;
  return Number(match[1]) * multiplier;
}

/** Durations like 500, 500ms, 30s, 10m, 2h, 7d (a bare number is milliseconds). */
export function parseDurationMs(value: string): number {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`"${value}" is not a duration (e.g. 500ms, 30s, 10m, 2h, 7d)`);
  const multiplier = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "ms"] ?? 1;
  return Number(match[1]) * multiplier;
}

/** A duration that must be above zero (intervals: 0 would spin). */
export function parsePositiveDurationMs(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === 0) throw new InvalidArgumentError(`"${value}" must be above zero`);
  return ms;
}

export function choice<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`"${value}" is not one of ${allowed.join(", ")}`);
  };
}

const durationUnits = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const;

/** A duration as parseDurationMs accepts it, in the largest unit that keeps it whole: 604800000 → "7d". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return String(ms);
  const unit = durationUnits.find(([, size]) => ms % size === 0);
  return unit ? `${ms / unit[1]}${unit[0]}` : `${ms}ms`;
}

const sizeUnits = [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const;

/** A size as parseByteSize accepts it, in the largest unit that keeps it whole: 1073741824 → "1GiB". */
export function formatByteSize(bytes: number): string {
  if (bytes <= 0) return String(bytes);
  const unit = sizeUnits.find(([, size]) => bytes % size === 0);
  return unit ? `${bytes / unit[1]}${unit[0]}` : String(bytes);
}
