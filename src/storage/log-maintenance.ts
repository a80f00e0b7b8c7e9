// The broker's background storage work, on two cadences as in Kafka:
// - every `checkIntervalMs` (log.retention.check.interval.ms, 5 min) each open log enforces its
//   retention, deleting whole expired segments;
// - every `cleanerBackoffMs` (log.cleaner.backoff.ms, 15 s) each compacted log is offered a
//   compaction pass, which runs only when its dirty ratio reaches min.cleanable.dirty.ratio
//   (and the compaction lag allows); the check is in memory, so an idle offer costs nothing.
// Compaction used to wait for the retention check, so a compacted topic stayed uncompacted
// for minutes whatever its dirty ratio. All rounds run one after another and visit logs one
// at a time, so the work never competes with itself for the disk, and each step yields to the
// event loop (see log-cleaner.ts), so produce and fetch go on.

import type { FileLog } from "./file-log.ts";
import type { StorageLogger } from "./logger.ts";

/** Kafka's log.cleaner.backoff.ms default. */
export const cleanerBackoffMsDefault = 15_000;

export interface MaintenanceRound {
  segmentsDeleted: number;
  compactions: number;
  bytesCompacted: number;
}

type RoundKind = "retention" | "cleaner";

export class LogMaintenance {
  readonly checkIntervalMs: number;
  readonly cleanerBackoffMs: number;
  #logger: StorageLogger;
  #logs = new Set<FileLog>();
  #timers = new Map<RoundKind, ReturnType<typeof setTimeout>>();
  /** The last round queued; rounds run one after another. */
  #queue: Promise<unknown> = Promise.resolve();
  /** A full round (retention and cleaning) already queued, shared by runRound callers. */
  #round: Promise<MaintenanceRound> | null = null;
  #stopped = false;

  constructor(options: { checkIntervalMs: number; cleanerBackoffMs?: number; logger: StorageLogger }) {
    const cleanerBackoffMs = options.cleanerBackoffMs ?? cleanerBackoffMsDefault;
    if (!Number.isSafeInteger(options.checkIntervalMs) || options.checkIntervalMs < 1) {
      throw new Error(`Invalid retention check interval "${options.checkIntervalMs}": expected a positive number of milliseconds`);
    }
    if (!Number.isSafeInteger(cleanerBackoffMs) || cleanerBackoffMs < 1) {
      throw new Error(`Invalid log cleaner backoff "${cleanerBackoffMs}": expected a positive number of milliseconds`);
    }
    this.checkIntervalMs = options.checkIntervalMs;
    this.cleanerBackoffMs = cleanerBackoffMs;
    this.#logger = options.logger;
  }

  /** Looks after `log` from the next round until it closes. */
  add(log: FileLog): void {
    this.#logs.add(log);
  }

  /** Schedules retention rounds every checkIntervalMs and cleaner rounds every cleanerBackoffMs until stop(). */
  start(): void {
    this.#schedule("retention", this.checkIntervalMs);
    this.#schedule("cleaner", this.cleanerBackoffMs);
  }

  /** One round of both kinds over every open log, at once (a full round already queued is shared). */
  runRound(): Promise<MaintenanceRound> {
    this.#round ??= this.#enqueue(async () => {
      const round = emptyRound();
      await this.#visitAll("retention", round);
      await this.#visitAll("cleaner", round);
      return round;
    }).finally(() => (this.#round = null));
    return this.#round;
  }

  /** Stops scheduling and waits for running rounds (logs closing meanwhile end their passes early). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#queue.catch(() => {});
  }

  #schedule(kind: RoundKind, delayMs: number): void {
    if (this.#stopped || this.#timers.has(kind)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(kind);
      void this.#enqueue(() => this.#visitAll(kind, emptyRound())).finally(() => this.#schedule(kind, delayMs));
    }, delayMs);
    timer.unref?.();
    this.#timers.set(kind, timer);
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.catch(() => {}).then(work);
    this.#queue = result;
    return result;
  }

  async #visitAll(kind: RoundKind, round: MaintenanceRound): Promise<MaintenanceRound> {
    for (const log of [...this.#logs]) {
      if (log.closed) {
        this.#logs.delete(log);
        continue;
      }
      try {
        if (kind === "retention") round.segmentsDeleted += await log.enforceRetention();
        else await this.#compact(log, round);
      } catch (error) {
        if (!log.closed) this.#logger.warn(`Cannot maintain log "${log.dir}": ${(error as Error).message}`);
      }
    }
    return round;
  }

  async #compact(log: FileLog, round: MaintenanceRound): Promise<void> {
    const cleaned = await log.compact();
    if (!cleaned || cleaned.segmentsCleaned === 0) return;
    round.compactions++;
    round.bytesCompacted += cleaned.bytesRead;
    this.#logger.info(
      `Compacted "${log.dir}": ${cleaned.segmentsCleaned} segments, ${cleaned.recordsRemoved} records removed, ` +
        `${cleaned.bytesRead} bytes read, ${cleaned.bytesWritten} written in ${Math.round(cleaned.durationMs)} ms`,
    );
  }
}

function emptyRound(): MaintenanceRound {
  return { segmentsDeleted: 0, compactions: 0, bytesCompacted: 0 };
}
