// How a FileLog is opened: its fsync policy and the broker-wide pieces it shares (flush
// scheduler, open-file budget, cleaner), with their defaults. Settings that may change while
// the log runs (rolling, retention, compaction) are LogSettings, in log-settings.ts.

import { FileBudget } from "./file-budget.ts";
import { FlushScheduler } from "./group-commit.ts";
import { inProcessCleaner } from "./log-cleaner.ts";
import type { Cleaner } from "./log-cleaner.ts";
import type { LogSettings } from "./log-settings.ts";
import { defaultStorageLogger } from "./logger.ts";
import type { StorageLogger } from "./logger.ts";

export const FsyncPolicy = {
  /** Acknowledge an append only once its bytes are fsynced (group commit). */
  always: "always",
  /** Acknowledge after the write; fsync the active segment every fsyncIntervalMs. */
  interval: "interval",
  /** Acknowledge after the write; the OS writes back (segments are still fsynced at roll and close). */
  never: "never",
} as const;
export type FsyncPolicy = (typeof FsyncPolicy)[keyof typeof FsyncPolicy];

export interface FileLogOptions extends Partial<LogSettings> {
  /** Bytes of log between sparse index entries. Default 4096. */
  indexIntervalBytes?: number;
  fsync?: FsyncPolicy;
  /** Period of the background fsync under fsync "interval". Default 1000. */
  fsyncIntervalMs?: number;
  /** The broker's shared scheduler, so fsyncs group across partitions. Default: one for this log. */
  flushScheduler?: FlushScheduler;
  /** The broker's shared bound on open segment files. Default: 5 segments for this log. */
  fileBudget?: FileBudget;
  /** Runs compaction jobs (the broker's worker thread). Default: on the calling thread, in chunks. */
  cleaner?: Cleaner;
  logger?: StorageLogger;
  /** Clock for segment age, retention and compaction. Default Date.now. */
  now?: () => number;
}

export interface ResolvedFileLogOptions {
  indexIntervalBytes: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  flushScheduler: FlushScheduler;
  fileBudget: FileBudget;
  cleaner: Cleaner;
  logger: StorageLogger;
  now: () => number;
}

/** A log of its own keeps up to five segments' files open. */
const ownFilesOpenMax = 15;

/** `options` with defaults for what it leaves out, checked. */
export function resolveFileLogOptions(options: FileLogOptions): ResolvedFileLogOptions {
  const resolved: ResolvedFileLogOptions = {
    indexIntervalBytes: options.indexIntervalBytes ?? 4096,
    fsync: options.fsync ?? FsyncPolicy.always,
    fsyncIntervalMs: options.fsyncIntervalMs ?? 1000,
    flushScheduler: options.flushScheduler ?? new FlushScheduler(),
    fileBudget: options.fileBudget ?? new FileBudget({ filesOpenMax: ownFilesOpenMax }),
    cleaner: options.cleaner ?? inProcessCleaner,
    logger: options.logger ?? defaultStorageLogger,
    now: options.now ?? Date.now,
  };
  const check = (name: string, value: number, max: number) => {
    if (!Number.isSafeInteger(value) || value < 1 || value > max) {
      throw new Error(`Invalid log option ${name} "${value}": expected an integer from 1 to ${max}`);
    }
  };
  check("indexIntervalBytes", resolved.indexIntervalBytes, 2 ** 31 - 1);
  check("fsyncIntervalMs", resolved.fsyncIntervalMs, Number.MAX_SAFE_INTEGER);
  if (!Object.values(FsyncPolicy).includes(resolved.fsync)) throw new Error(`Invalid log option fsync "${resolved.fsync}"`);
  return resolved;
}
