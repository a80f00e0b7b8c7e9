// The harness itself: command capture, timeouts, free ports, byte comparison, and a broker's log.
// A broken harness would make every end-to-end test meaningless.

import { describe, expect, test } from "bun:test";
import { assertSameBytes, eventually, freePort, kcat, run, runOk, startBroker } from "./harness.ts";

describe("e2e harness", () => {
  test("run passes stdin through and captures stdout, stderr and the exit code", async () => {
    const result = await run(["sh", "-c", "cat; echo oops >&2; exit 3"], { stdin: "héllo\0bytes", timeoutMs: 5000 });
    expect(result.stdout).toEqual(Buffer.from("héllo\0bytes"));
    expect(result.stderr).toBe("oops\n");
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
  });

  test("run kills a command that outlives its timeout", async () => {
    const started = Date.now();
    const result = await run(["sleep", "30"], { timeoutMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("runOk throws with the command's stderr on failure", async () => {
    await expect(runOk(["sh", "-c", "echo broken pipe >&2; exit 1"], { timeoutMs: 5000 })).rejects.toThrow("broken pipe");
  });

  test("freePort returns distinct usable ports", async () => {
    const ports = new Set(await Promise.all([freePort(), freePort(), freePort()]));
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });

  test("assertSameBytes names the first differing line", () => {
    expect(() => assertSameBytes(Buffer.from("a\nb\nc\n"), Buffer.from("a\nx\nc\n"), "sample")).toThrow(
      'First difference at line 2: got "b", expected "x"',
    );
    assertSameBytes(Buffer.from("same"), Buffer.from("same"), "sample");
  });

  test("a broker's log holds what it wrote since a mark, across a restart", async () => {
    const broker = await startBroker({ args: ["--log-level", "debug"] });
    try {
      const mark = broker.logEnd;
      expect(broker.logSince(mark)).toBe("");
      await runOk(kcat(broker, ["-L"]), { timeoutMs: 30_000 });
      await eventually(async () => broker.logSince(mark).includes("Request api=Metadata"), "kcat's Metadata request in the log");
      expect(broker.log).toContain("Kafka listener started");
      await broker.restart();
      expect(broker.logSince(mark)).toContain("--- restarted ---");
      expect(broker.log.split("Kafka listener started")).toHaveLength(3);
    } finally {
      await broker.cleanup();
    }
  }, 60_000);
});
