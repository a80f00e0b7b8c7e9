// A @platformatic/kafka KIP-848 group member (`groupProtocol: "consumer"`), driven by
// tests/e2e/groups-platformatic.test.ts. It runs in its own process because the client lets some
// "Connection closed" failures escape as unhandled rejections while the broker is down, and a
// test runner counts those as failures. Prints JSON lines: {"memberId": …} once joined, then
// {"value": …} per record; autocommits every 200 ms. Runs until killed.
//
// Usage: bun platformatic_group_member.ts <bootstrap> <topic> <group>

import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes, stringDeserializers } from "@platformatic/kafka";

const [bootstrap, topic, group] = process.argv.slice(2);
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

// Network failures while the broker restarts are expected and retried by the client; anything else is reported.
const onStray = (error: unknown) => {
  if ((error as { code?: string })?.code !== "PLT_KFK_NETWORK") process.stderr.write(`unexpected error: ${String((error as Error)?.stack ?? error)}\n`);
};
process.on("unhandledRejection", onStray);
process.on("uncaughtException", onStray);

const consumer = new Consumer({
  clientId: "e2e-plt-member",
  bootstrapBrokers: [bootstrap],
  groupId: group,
  groupProtocol: "consumer",
  deserializers: stringDeserializers,
  retries: 50,
  retryDelay: 200,
});
consumer.on("error", onStray);
const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: 200, maxWaitTime: 200 });
stream.on("error", onStray);
emit({ memberId: consumer.memberId });
for await (const message of stream) emit({ value: message.value, memberId: consumer.memberId });
