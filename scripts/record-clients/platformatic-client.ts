// @platformatic/kafka workload for scripts/record-clients.ts: admin (topics, partitions, configs,
// offsets, records, groups, ACLs), produce in every compression codec, idempotent and
// transactional produce, and consumer groups with the classic protocol (JoinGroup/SyncGroup)
// and with KIP-848 (ConsumerGroupHeartbeat), committing what they read. Arguments:
// BOOTSTRAP USER PASSWORD.

import {
  AclOperations,
  AclPermissionTypes,
  Admin,
  ConfigResourceTypes,
  Consumer,
  IncrementalAlterConfigOperationTypes,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  ResourcePatternTypes,
  ResourceTypes,
  stringDeserializers,
  stringSerializers,
} from "@platformatic/kafka";

const [bootstrap, username, password] = process.argv.slice(2) as [string, string, string];
const base = {
  bootstrapBrokers: [bootstrap],
  sasl: { mechanism: "PLAIN" as const, username, password },
  retries: 5,
  retryDelay: 200,
};
const topic = "platformatic-topic";

const admin = new Admin({ ...base, clientId: "platformatic-recorder-admin" });
await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
await admin.createTopics({ topics: ["platformatic-doomed"], partitions: 2, replicas: 1 });
await admin.createPartitions({ topics: [{ name: "platformatic-doomed", count: 3, assignments: [] }] });
await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: "platformatic-doomed", configurationKeys: [] }] });
await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: "platformatic-doomed", configs: [{ name: "retention.ms", value: "3600000" }] }] });
await admin.incrementalAlterConfigs({
  resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: "platformatic-doomed", configs: [{ name: "retention.ms", configOperation: IncrementalAlterConfigOperationTypes.SET, value: "7200000" }] }],
});
await admin.metadata({ topics: [topic] });
await admin.listTopics();

for (const compression of ["none", "gzip", "snappy", "lz4", "zstd"] as const) {
  const producer = new Producer({ ...base, clientId: "platformatic-recorder-producer", serializers: stringSerializers });
  const messages = [0, 1, 2].map((index) => ({ topic, key: `key-${index}`, value: `${compression}-${index}`, headers: new Map([["trace", "abc"]]) }));
  await producer.send({ messages, acks: ProduceAcks.ALL, compression });
  await producer.close();
}

const idempotent = new Producer({ ...base, clientId: "platformatic-recorder-idempotent", serializers: stringSerializers, idempotent: true });
await idempotent.send({ messages: [{ topic, value: "idempotent" }] });
await idempotent.close();

await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
await admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 1n }] }] });

/** Reads `count` records in `groupId`, committing each. */
async function consumeInGroup(groupId: string, groupProtocol: "classic" | "consumer", count: number): Promise<Consumer<string, string, string, string>> {
  const common = { ...base, clientId: `platformatic-recorder-${groupProtocol}`, groupId, deserializers: stringDeserializers };
  const consumer = groupProtocol === "consumer"
    ? new Consumer({ ...common, groupProtocol: "consumer" as const })
    : new Consumer({ ...common, sessionTimeout: 6000, heartbeatInterval: 500 });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: false, maxWaitTime: 200 });
  let read = 0;
  for await (const message of stream) {
    await message.commit();
    if (++read >= count) break;
  }
  await stream.close();
  return consumer;
}

const classic = await consumeInGroup("platformatic-group", "classic", 6);
// Past the heartbeat interval, so the member heartbeats before it leaves.
await Bun.sleep(1_200);
await classic.close();
const kip848 = await consumeInGroup("platformatic-kip848", "consumer", 3);
await kip848.close();

const transactional = new Producer({ ...base, clientId: "platformatic-recorder-txn", serializers: stringSerializers, idempotent: true, transactionalId: "platformatic-txn" });
const committed = await transactional.beginTransaction();
await committed.send({ messages: [{ topic, value: "in-transaction" }] });
await committed.commit();
const aborted = await transactional.beginTransaction();
await aborted.send({ messages: [{ topic, value: "aborted" }] });
await aborted.abort();
await transactional.close();

await admin.listGroups();
await admin.describeGroups({ groups: ["platformatic-group"] });
await admin.listConsumerGroupOffsets({ groups: ["platformatic-group"] });
await admin.alterConsumerGroupOffsets({ groupId: "platformatic-group", topics: [{ name: topic, partitionOffsets: [{ partition: 0, offset: 2n }] }] });
await admin.deleteConsumerGroupOffsets({ groupId: "platformatic-group", topics: [{ name: topic, partitionIndexes: [0] }] });
await admin.deleteGroups({ groups: ["platformatic-group"] });

const target = { resourceType: ResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL };
await admin.createAcls({ creations: [{ ...target, principal: "User:alice", host: "*", operation: AclOperations.READ, permissionType: AclPermissionTypes.ALLOW }] });
const filter = { ...target, resourcePatternType: ResourcePatternTypes.ANY, principal: null, host: null, operation: AclOperations.ANY, permissionType: AclPermissionTypes.ANY };
await admin.describeAcls({ filter });
await admin.deleteAcls({ filters: [filter] });
await admin.deleteTopics({ topics: ["platformatic-doomed"] });
await admin.close();
