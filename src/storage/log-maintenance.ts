// The broker's background storage work: every `checkIntervalMs`, each open log enforces its
// retention (deleting whole expired segments) and, for compacted topics, runs a compaction
// pass. Logs are visited one at a time so the work never competes with itself for the disk,
// and each step yields to the event loop (see log-cleaner.ts), so produce and fetch go on.

import type { FileLog } from "./file-log.ts";
import type { StorageLogger } from "./logger.ts";

export interface MaintenanceRound {
  segmentsDeleted: number;
  compactions: number;
  bytesCompacted: number;
}

export class LogMaintenance {
  readonly checkIntervalMs: number;
  #logger: StorageLogger;
  #logs = new Set<FileLog>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #round: Promise<MaintenanceRound> | null = null;
  #stopped = false;

  constructor(options: { checkIntervalMs: number; logger: StorageLogger }) {
    if (!Number.isSafeInteger(options.checkIntervalMs) || options.checkIntervalMs < 1) {
      throw new Error(`Invalid retention check interval "${options.checkIntervalMs}": expected a positive number of milliseconds`);
    }
    this.checkIntervalMs = options.checkIntervalMs;
    this.#logger = options.logger;
  }

  /** Looks after `log` from the next round until it closes. */
  add(log: FileLog): void {
    this.#logs.add(log);
  }

  /** Schedules rounds every checkIntervalMs until stop(). */
  start(): void {
    if (this.#stopped || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.runRound().finally(() => this.start());
    }, this.checkIntervalMs);
    this.#timer.unref?.();
  }

  /** One round over every open log (a round already running is shared). */
  runRound(): Promise<MaintenanceRound> {
    this.#round ??= this.#visitAll().finally(() => (this.#round = null));
    return this.#round;
  }

  /** Stops scheduling and waits for a running round (logs closing meanwhile end their passes early). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#round?.catch(() => {});
  }

  async #visitAll(): Promise<MaintenanceRound> {
    const round: MaintenanceRound = { segmentsDeleted: 0, compactions: 0, bytesCompacted: 0 };
    for (const log of [...this.#logs]) {
      if (log.closed) {
        this.#logs.delete(log);
        continue;
      }
      try {
        round.segmentsDeleted += await log.enforceRetention();
        const cleaned = await log.compact();
        if (cleaned && cleaned.segmentsCleaned > 0) {
          round.compactions++;
          round.bytesCompacted += cleaned.bytesRead;
          this.#logger.info(
            `Compacted "${log.dir}": ${cleaned.segmentsCleaned} segments, ${cleaned.recordsRemoved} records removed, ` +
              `${cleaned.bytesRead} bytes read, ${cleaned.bytesWritten} written in ${Math.round(cleaned.durationMs)} ms`,
          );
        }
      } catch (error) {
        if (!log.closed) this.#logger.warn(`Cannot maintain log "${log.dir}": ${(error as Error).message}`);
      }
    }
    return round;
  }
}
