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

describe("WarningLimiter per source", () => {
  test("one address gets perSourceMax lines a window however it varies its warnings, then one summary with the count", () => {
    const { logger, lines } = recorder();
    let nowMs = 0;
    const limiter = new WarningLimiter(logger, { clock: () => nowMs, windowMs: 60_000, keysMax: 1_000, perSourceMax: 3 });
    for (let i = 0; i < 500; i++) limiter.warn(`bad|client-${i}|10.0.0.9`, "Closing connection: bad request", { client: `client-${i}` }, "10.0.0.9");
    limiter.warn("bad|other|10.0.0.7", "Closing connection: bad request", { client: "other" }, "10.0.0.7");
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).every((line) => line.startsWith("Closing connection: bad request"))).toBe(true);
    expect(lines[3]).toContain('"client":"other"');
    nowMs = 60_000;
    limiter.flush();
    expect(lines).toContain('Suppressed 497 more warnings caused by one client address {"remote":"10.0.0.9","windowSeconds":60}');
    // A new window gives the address its share again.
    limiter.warn("bad|client-new|10.0.0.9", "Closing connection: bad request", undefined, "10.0.0.9");
    expect(lines.at(-1)).toBe("Closing connection: bad request");
  });

  test("the sources remembered are bounded: the oldest is forgotten and its count reported", () => {
    const { logger, lines } = recorder();
    const limiter = new WarningLimiter(logger, { clock: () => 0, windowMs: 60_000, keysMax: 2, perSourceMax: 1 });
    limiter.warn("a1", "A", undefined, "a");
    limiter.warn("a2", "A", undefined, "a");
    limiter.warn("b1", "B", undefined, "b");
    limiter.warn("c1", "C", undefined, "c");
    expect(lines).toContain('Suppressed 1 more warnings caused by one client address {"remote":"a","windowSeconds":60}');
  });
});

describe("escapeControlCharacters", () => {
  test("a newline or an ANSI escape in client-chosen text cannot start a forged line or recolour a terminal", () => {
    expect(escapeControlCharacters('eve\nINFO [chronik] forged "line"')).toBe('eve\\u000aINFO [chronik] forged "line"');
    expect(escapeControlCharacters("\u001b[31mred\u0000")).toBe("\\u001b[31mred\\u0000");
    expect(escapeControlCharacters("plain text, ünïcode")).toBe("plain text, ünïcode");
  });
});
