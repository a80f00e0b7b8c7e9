// A topic deleted under a group consumer (issue 9, item 8). The broker's part: every request the
// client sends after the deletion is answered (UNKNOWN_TOPIC_OR_PARTITION where the topic is
// named, as Kafka does), and the consumer's LeaveGroup goes through.
//
// confluent-kafka on Debian's librdkafka 2.0.2 still hangs in close() afterwards, inside
// rd_kafka_destroy, with no request outstanding: a partition's fetch queue keeps a reference to
// the partition after it left the cluster (librdkafka issue #4362; PR #4724 purges that queue).
// So this test checks what the broker owes the client, and not that close() returns.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Broker, pythonPath, repoRoot, runOk, startBroker } from "./harness.ts";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker({ args: ["--no-auto-create-topics"] });
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

type Outcome = { consumed: boolean; closed: boolean; close_seconds: number; seen_gone?: boolean };

const closeMarker = "chronik-test: close() begins";

async function deletedTopicConsumer(topic: string, closeTimeoutS: number) {
  const script = join(repoRoot, "tests/e2e/python/deleted_topic_consumer.py");
  const command = [pythonPath, script, "--bootstrap", broker.bootstrap, "--topic", topic, "--close-timeout", String(closeTimeoutS)];
  const result = await runOk(command, { timeoutMs: 90_000 });
  return { outcome: JSON.parse(result.stdout.toString()) as Outcome, stderr: result.stderr };
}

/**
 * Requests in librdkafka's protocol debug log (before `closeMarker`) that got no response on the
 * same connection. A connection is its broker thread plus its connect count; correlation ids
 * start again on every connection.
 */
function unansweredRequests(log: string): string[] {
  const connected = /\[thrd:([^\]]+)\]: \S+: Connected \(#(\d+)\)/;
  const sent = /\[thrd:([^\]]+)\]: \S+: Sent (\w+)Request \(v\d+, .*CorrId (\d+)\)/;
  const received = /\[thrd:([^\]]+)\]: \S+: Received (\w+)Response \(v\d+, .*CorrId (\d+),/;
  const connectionOf = new Map<string, string>();
  const pending = new Map<string, string>();
  let closing = false;
  for (const line of log.split("\n")) {
    if (line.includes(closeMarker)) closing = true;
    let match: RegExpExecArray | null;
    if ((match = connected.exec(line))) {
      connectionOf.set(match[1], match[2]);
    } else if ((match = sent.exec(line)) && !closing) {
      pending.set(`${match[1]}#${connectionOf.get(match[1])}/${match[3]}`, `${match[2]}Request CorrId ${match[3]} on ${match[1]}`);
    } else if ((match = received.exec(line))) {
      pending.delete(`${match[1]}#${connectionOf.get(match[1])}/${match[3]}`);
    }
  }
  return [...pending.values()];
}

test("unansweredRequests finds a request without its response, per connection", () => {
  const line = (thread: string, text: string) => `%7|1.0|SEND|rdkafka#consumer-1| [thrd:${thread}]: ${thread}: ${text}`;
  const log = [
    line("a/bootstrap", "Connected (#1)"),
    line("a/bootstrap", "Sent MetadataRequest (v4, 34 bytes @ 0, CorrId 5)"),
    line("a/bootstrap", "Received MetadataResponse (v4, 76 bytes, CorrId 5, rtt 0.5ms)"),
    line("a/bootstrap", "Sent FetchRequest (v11, 90 bytes @ 0, CorrId 6)"),
    line("a/bootstrap", "Connected (#2)"),
    line("a/bootstrap", "Received FetchResponse (v11, 90 bytes, CorrId 6, rtt 0.5ms)"),
  ].join("\n");
  expect(unansweredRequests(log)).toEqual(["FetchRequest CorrId 6 on a/bootstrap"]);
});

test("confluent-kafka: every request after the topic is deleted is answered, up to close()", async () => {
  const { outcome, stderr } = await deletedTopicConsumer("deleted-under-confluent", 5);
  expect(outcome.consumed).toBe(true);
  expect(outcome.seen_gone).toBe(true);
  expect(stderr).toContain(closeMarker);
  expect(stderr).toMatch(/Received MetadataResponse/);
  expect(unansweredRequests(stderr)).toEqual([]);
  // The group saw the member leave, as close() sends LeaveGroup before librdkafka's destroy hangs.
  expect(stderr).toMatch(/Received LeaveGroupResponse/);
}, 120_000);
