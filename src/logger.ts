// A minimal leveled logger writing one line per event to stderr.
// Every layer may log; none may print to stdout, which belongs to command output.

export type LogLevel = "debug" | "info" | "warn" | "error";

const levelRank = { debug: 10, info: 20, warn: 30, error: 40 } as const;

export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

/**
 * Control characters (a newline, an ANSI escape) written as \uXXXX: context values often hold what
 * a client chose (a client id, a user name), which must never start a forged line or recolour a
 * terminal.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function formatContext(context?: Record<string, unknown>): string {
  if (!context) return "";
  const parts = Object.entries(context).map(([key, value]) => {
    const text = value instanceof Error ? value.message : typeof value === "string" ? value : JSON.stringify(value);
    return `${key}=${escapeControlCharacters(text ?? String(text))}`;
  });
  return parts.length > 0 ? ` ${parts.join(" ")}` : "";
}

/** A logger that writes `time level [scope] message key=value…` lines to stderr. */
export function createLogger(scope = "chronik", minimumLevel: LogLevel = "info"): Logger {
  const threshold = levelRank[minimumLevel];
  const emit = (level: LogLevel, message: string, context?: Record<string, unknown>) => {
    if (levelRank[level] < threshold) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${scope}] ${message}${formatContext(context)}\n`;
    process.stderr.write(line);
  };
  return {
    debug: (message, context) => emit("debug", message, context),
    info: (message, context) => emit("info", message, context),
    warn: (message, context) => emit("warn", message, context),
    error: (message, context) => emit("error", message, context),
    child: (childScope) => createLogger(`${scope}/${childScope}`, minimumLevel),
  };
}

/** A logger that discards everything (tests, quiet commands). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

export interface WarningLimiterOptions {
  /** Milliseconds since the epoch (injected so tests can move time). */
  clock: () => number;
  /** After a warning is logged, identical ones within this window are only counted. */
  windowMs: number;
  /** How many distinct warnings are remembered; the oldest is forgotten (and its count reported) beyond it. */
  keysMax: number;
  /**
   * How many warnings one source (a client address) may cause per window, however different
   * they are; the rest are counted and reported when the window ends. Unlimited when absent.
   */
  perSourceMax?: number;
}

interface SourceWindow {
  startedAtMs: number;
  logged: number;
  suppressed: number;
}

interface WarningWindow {
  startedAtMs: number;
  suppressed: number;
  message: string;
  context?: Record<string, unknown>;
}

/**
 * Logs a warning once per window for each key (what makes two warnings "the same": say, the
 * problem, client id, host, API and version, but not the port or correlation id) and counts
 * the rest. A misbehaving client that reconnects and repeats itself hundreds of times a minute
 * then costs one line per window plus a "Suppressed N similar warnings" summary, instead of
 * flooding the log.
 */
export class WarningLimiter {
  readonly #logger: Logger;
  readonly #options: WarningLimiterOptions;
  /** Insertion order is age order: the first entry is the one to forget when full. */
  readonly #windows = new Map<string, WarningWindow>();
  /** Per source, in the order their windows started. */
  readonly #sources = new Map<string, SourceWindow>();

  constructor(logger: Logger, options: WarningLimiterOptions) {
    this.#logger = logger;
    this.#options = options;
  }

  /** Logs the warning unless one with the same key was logged this window, or `source` used up its share. */
  warn(key: string, message: string, context?: Record<string, unknown>, source?: string): void {
    const now = this.#options.clock();
    this.flush();
    const window = this.#windows.get(key);
    if (window) {
      window.suppressed++;
      return;
    }
    if (source !== undefined && !this.#admit(source, now)) return;
    if (this.#windows.size >= this.#options.keysMax) this.#forget(this.#windows.keys().next().value!);
    this.#windows.set(key, { startedAtMs: now, suppressed: 0, message, context });
    this.#logger.warn(message, context);
  }

  /** Ends the windows that are over, reporting how many warnings each one held back. */
  flush(): void {
    const now = this.#options.clock();
    // Windows are kept in the order they started, so the first one still open ends the sweep.
    for (const [key, window] of this.#windows) {
      if (now - window.startedAtMs < this.#options.windowMs) break;
      this.#forget(key);
    }
    for (const [source, window] of this.#sources) {
      if (now - window.startedAtMs < this.#options.windowMs) break;
      this.#forgetSource(source);
    }
  }

  /** Counts a warning against its source's share of the window: false when the share is used up. */
  #admit(source: string, now: number): boolean {
    const max = this.#options.perSourceMax;
    if (max === undefined) return true;
    let window = this.#sources.get(source);
    if (window === undefined) {
      if (this.#sources.size >= this.#options.keysMax) this.#forgetSource(this.#sources.keys().next().value!);
      window = { startedAtMs: now, logged: 0, suppressed: 0 };
      this.#sources.set(source, window);
    }
    if (window.logged >= max) {
      window.suppressed++;
      return false;
    }
    window.logged++;
    return true;
  }

  #forgetSource(source: string): void {
    const window = this.#sources.get(source);
    this.#sources.delete(source);
    if (window && window.suppressed > 0) {
      this.#logger.warn(`Suppressed ${window.suppressed} more warnings caused by one client address`, { remote: source, windowSeconds: Math.round(this.#options.windowMs / 1000) });
    }
  }

  #forget(key: string): void {
    const window = this.#windows.get(key);
    this.#windows.delete(key);
    if (window && window.suppressed > 0) {
      this.#logger.warn(`Suppressed ${window.suppressed} similar warnings: ${window.message}`, window.context);
    }
  }
}
