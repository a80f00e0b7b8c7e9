// What storage needs from a logger: recovery and index rebuilds report what they changed.
// The project Logger satisfies it; tests pass a recording one.

import { createLogger } from "../logger.ts";
import type { Logger } from "../logger.ts";

export type StorageLogger = Pick<Logger, "info" | "warn">;

/** Used when the caller passes no logger: stderr, scope "storage". */
export const defaultStorageLogger: StorageLogger = createLogger("storage");
