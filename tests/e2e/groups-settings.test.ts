// `chronik serve` group settings reach the coordinator: session timeout bounds, the initial
// rebalance delay, and refusal of contradictory values.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { rm } from "node:fs/promises";
import { Connection, defaultConnectionOptions } from "../../src/client/index.ts";
import { encodeSubscription } from "../../src/protocol/consumer-protocol.ts";
import { createLogger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { JoinGroup, type JoinGroupRequest } from "../../src/protocol/messages/join-group.ts";
import { type Broker, chronikCommand, makeTempDir, run, startBroker } from "./harness.ts";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker({ args: ["--group-min-session-timeout-ms", "1s", "--group-max-session-timeout-ms", "20s", "--group-initial-rebalance-delay-ms", "0"] });
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

function join(memberId: string, sessionTimeoutMs: number): JoinGroupRequest {
  return {
    groupId: "settings",
    sessionTimeoutMs,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: encodeSubscription(["t"]) }],
    reason: null,
  };
}

test("session timeouts outside --group-min/max-session-timeout-ms are refused; with no initial delay the first join completes at once", async () => {
  const connection = await Connection.open({ host: broker.host, port: broker.port }, { ...defaultConnectionOptions, logger: createLogger("e2e", "error") });
  try {
    expect((await connection.request(JoinGroup, join("", 500))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await connection.request(JoinGroup, join("", 25_000))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    const first = await connection.request(JoinGroup, join("", 2_000));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const startedMs = Date.now();
    const joined = await connection.request(JoinGroup, join(first.memberId, 2_000));
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    // The default group.initial.rebalance.delay.ms would hold this answer for 3 s.
    expect(Date.now() - startedMs).toBeLessThan(1_500);
  } finally {
    connection.close();
  }
}, 30_000);

test("serve refuses a KIP-848 heartbeat interval that is not below the session timeout", async () => {
  const dataDir = await makeTempDir("settings");
  const args = ["serve", "--data", dataDir, "--port", "0", "--http-port", "0", "--group-consumer-session-timeout-ms", "5s", "--group-consumer-heartbeat-interval-ms", "5s"];
  const result = await run([...chronikCommand(), ...args], { timeoutMs: 15_000 }).finally(() => rm(dataDir, { recursive: true, force: true }));
  expect(result.exitCode).not.toBe(0);
  expect(result.stderr).toContain("--group-consumer-heartbeat-interval-ms (5000) must be below --group-consumer-session-timeout-ms (5000)");
}, 30_000);
