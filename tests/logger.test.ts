import { describe, expect, test } from "bun:test";
import { type Logger, WarningLimiter, escapeControlCharacters } from "../src/logger.ts";

function recorder(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message, context) => lines.push(context ? `${message} ${JSON.stringify(context)}` : message),
    error: (message) => lines.push(`error ${message}`),
    child: () => logger,
  };
  return { logger, lines };
}

describe("WarningLimiter", () => {
  test("logs the first of identical warnings, counts the rest and reports the count when the window ends", () => {
    const { logger, lines } = recorder();
    let nowMs = 1_000;
    const limiter = new WarningLimiter(logger, { clock: () => nowMs, windowMs: 60_000, keysMax: 10 });
    for (let i = 0; i < 358; i++) {
      limiter.warn("unsupported|kafka-go|127.0.0.1|ApiVersions|9", "Unsupported request", { client: "kafka-go", remote: `127.0.0.1:${40_000 + i}` });
      nowMs += 100;
    }
    expect(lines).toEqual(['Unsupported request {"client":"kafka-go","remote":"127.0.0.1:40000"}']);
    nowMs = 1_000 + 60_000;
    limiter.flush();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toStartWith("Suppressed 357 similar warnings: Unsupported request");
    limiter.warn("unsupported|kafka-go|127.0.0.1|ApiVersions|9", "Unsupported request", { client: "kafka-go" });
    expect(lines).toHaveLength(3);
  });

  test("different keys are limited separately", () => {
    const { logger, lines } = recorder();
    const limiter = new WarningLimiter(logger, { clock: () => 0, windowMs: 1_000, keysMax: 10 });
    limiter.warn("a", "First");
    limiter.warn("b", "Second");
    limiter.warn("a", "First");
    expect(lines).toEqual(["First", "Second"]);
  });

  test("remembers at most keysMax warnings: the oldest is forgotten and its count reported", () => {
    const { logger, lines } = recorder();
    const limiter = new WarningLimiter(logger, { clock: () => 0, windowMs: 1_000, keysMax: 2 });
    limiter.warn("a", "A");
    limiter.warn("a", "A");
    limiter.warn("b", "B");
    limiter.warn("c", "C");
    expect(lines).toEqual(["A", "B", "Suppressed 1 similar warnings: A", "C"]);
    limiter.warn("a", "A");
    expect(lines.at(-1)).toBe("A");
  });
});

describe("escapeControlCharacters", () => {
  test("a newline or an ANSI escape in client-chosen text cannot start a forged line or recolour a terminal", () => {
    expect(escapeControlCharacters('eve\nINFO [chronik] forged "line"')).toBe('eve\\u000aINFO [chronik] forged "line"');
    expect(escapeControlCharacters("\u001b[31mred\u0000")).toBe("\\u001b[31mred\\u0000");
    expect(escapeControlCharacters("plain text, ünïcode")).toBe("plain text, ünïcode");
  });
});
