// The settings of one partition log that may change while it runs (Kafka's per-topic log
// configs): when segments roll, what retention deletes, and how compaction behaves. The
// engine derives them from the topic's configs and re-applies them after AlterConfigs.

export const CleanupPolicy = {
  /** Delete whole segments past retention.ms / retention.bytes. */
  delete: "delete",
  /** Keep the latest record of every key. */
  compact: "compact",
  /** Both: compact, and delete segments past retention. */
  compactDelete: "compact,delete",
} as const;
export type CleanupPolicy = (typeof CleanupPolicy)[keyof typeof CleanupPolicy];

export interface LogSettings {
  /** Roll the active segment before it would pass this size. At most 2 GiB - 1. */
  segmentBytes: number;
  /** Roll the active segment once its first batch is this old. */
  segmentMs: number;
  /** Delete segments whose newest record is older than this; -1 keeps them forever. */
  retentionMs: number;
  /** Delete the oldest segments while the log is bigger than this; -1 for no limit. */
  retentionBytes: number;
  cleanupPolicy: CleanupPolicy;
  /** A tombstone (null value) is kept this long after its timestamp, so consumers see the delete. */
  deleteRetentionMs: number;
  /** Compact only when dirty bytes / (clean + dirty bytes) reach this ratio. */
  minCleanableDirtyRatio: number;
  /** Records younger than this are never compacted away. */
  minCompactionLagMs: number;
}

/** Positions in a segment are int32 in the offset index. */
export const segmentBytesMax = 2 ** 31 - 1;

export const defaultLogSettings: LogSettings = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: CleanupPolicy.delete,
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
};

/** Parses a cleanup.policy value ("compact,delete" in either order, spaces allowed). */
export function parseCleanupPolicy(value: string): CleanupPolicy {
  const parts = new Set(value.split(",").map((part) => part.trim()));
  const compact = parts.delete("compact");
  const remove = parts.delete("delete");
  if (parts.size > 0 || (!compact && !remove)) throw new Error(`Invalid cleanup policy "${value}": expected delete, compact or both`);
  return compact && remove ? CleanupPolicy.compactDelete : compact ? CleanupPolicy.compact : CleanupPolicy.delete;
}

export function deletesSegments(policy: CleanupPolicy): boolean {
  return policy !== CleanupPolicy.compact;
}

export function compacts(policy: CleanupPolicy): boolean {
  return policy !== CleanupPolicy.delete;
}

/** Throws on a setting out of range; the message names it and its value. */
export function validateLogSettings(settings: LogSettings): void {
  const check = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`Invalid log setting ${name} "${value}": expected an integer from ${min} to ${max}`);
    }
  };
  check("segmentBytes", settings.segmentBytes, 1, segmentBytesMax);
  check("segmentMs", settings.segmentMs, 1);
  check("retentionMs", settings.retentionMs, -1);
  check("retentionBytes", settings.retentionBytes, -1);
  check("deleteRetentionMs", settings.deleteRetentionMs, 0);
  check("minCompactionLagMs", settings.minCompactionLagMs, 0);
  const ratio = settings.minCleanableDirtyRatio;
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`Invalid log setting minCleanableDirtyRatio "${ratio}": expected 0 to 1`);
  if (!Object.values(CleanupPolicy).includes(settings.cleanupPolicy)) {
    throw new Error(`Invalid log setting cleanupPolicy "${settings.cleanupPolicy}"`);
  }
}

/** `base` with the settings that `changes` defines (undefined keeps the base's), validated. */
export function mergeLogSettings(base: LogSettings, changes: Partial<LogSettings>): LogSettings {
  const next = { ...base };
  for (const key of Object.keys(defaultLogSettings) as Array<keyof LogSettings>) {
    if (changes[key] !== undefined) (next as Record<string, unknown>)[key] = changes[key];
  }
  validateLogSettings(next);
  return next;
}
