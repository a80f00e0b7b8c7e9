// `chronik top` against a real broker: frames printed one after another, with rates between them.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Broker, chronikCommand, kcat, loopbackHost, run, runOk, startBroker } from "./harness.ts";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
  await runOk(kcat(broker, ["-P", "-t", "watched"]), { stdin: "a\nb\nc\n", timeoutMs: 30_000 });
  await runOk([...chronikCommand(), "group", "reset-offsets", "watchers", "-b", broker.bootstrap, "--topic", "watched", "--to-offset", "1"], { timeoutMs: 30_000 });
}, 60_000);

afterAll(async () => {
  await broker?.cleanup();
});

describe("chronik top", () => {
  test("-n 2 prints two frames: the broker, its topics and groups with lag, and rates in the second", async () => {
    const { stdout } = await runOk([...chronikCommand(), "top", "--url", `http://${loopbackHost}:${broker.httpPort}`, "-n", "2", "--interval", "200ms"], { timeoutMs: 30_000 });
    const frames = stdout.toString().split(/\n(?=chronik {2}cluster )/);
    expect(frames.length).toBe(2);
    expect(frames[0]).toContain("produced -  -");
    expect(frames[1]).toMatch(/produced \d+ records\/s/);
    for (const frame of frames) {
      expect(frame).toMatch(/^watched +1 +3 /m);
      expect(frame).toMatch(/^watchers +Empty +0 +2$/m);
    }
  }, 60_000);

  test("the Kafka port where the HTTP port belongs is named as such, in one line", async () => {
    const result = await run([...chronikCommand(), "top", "--url", `http://${loopbackHost}:${broker.port}`, "-n", "1"], { timeoutMs: 30_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`chronik top: "http://${loopbackHost}:${broker.port}" is chronik's Kafka port, not its HTTP API: use the HTTP port (--http-port of serve, 6092 by default)\n`);
  }, 60_000);
});
