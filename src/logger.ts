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

function formatContext(context?: Record<string, unknown>): string {
  if (!context) return "";
  const parts = Object.entries(context).map(([key, value]) => {
    const text = value instanceof Error ? value.message : typeof value === "string" ? value : JSON.stringify(value);
    return `${key}=${text}`;
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
