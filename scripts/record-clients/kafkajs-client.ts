// kafkajs workload for scripts/record-clients.ts: admin (topics, partitions, configs, records,
// offsets, groups, ACLs), produce without and with gzip (kafkajs's only built-in codec),
// idempotent and transactional produce (offsets sent to the transaction), and a consumer group
// that commits. Arguments: BOOTSTRAP USER PASSWORD.

import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, CompressionTypes, ConfigResourceTypes, Kafka, logLevel, ResourcePatternTypes } from "kafkajs";

const [bootstrap, username, password] = process.argv.slice(2) as [string, string, string];
const consumeWaitMs = 30_000;
const kafka = new Kafka({
  brokers: [bootstrap],
  clientId: "kafkajs-recorder",
  logLevel: logLevel.ERROR,
  sasl: { mechanism: "plain", username, password },
  retry: { retries: 3, initialRetryTime: 200 },
});

const topic = "kafkajs-topic";
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: "kafkajs-doomed", numPartitions: 2 }], waitForLeaders: true });
await admin.createPartitions({ topicPartitions: [{ topic: "kafkajs-doomed", count: 3 }] });
await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: "kafkajs-doomed" }], includeSynonyms: false });
await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: "kafkajs-doomed", configEntries: [{ name: "retention.ms", value: "3600000" }] }] });
await admin.fetchTopicMetadata({ topics: [topic] });
await admin.describeCluster();

const producer = kafka.producer();
await producer.connect();
for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
  const messages = [0, 1, 2].map((index) => ({ key: `key-${index}`, value: `${compression}-${index}`, headers: { trace: "abc" } }));
  await producer.send({ topic, compression, acks: -1, messages });
}
await producer.disconnect();

const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await idempotent.connect();
await idempotent.send({ topic, messages: [{ value: "idempotent" }] });
await idempotent.disconnect();

await admin.fetchTopicOffsets(topic);
await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60_000);
await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: "1" }] });

const groupId = "kafkajs-group";
const consumer = kafka.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10_000 });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
let consumed = 0;
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`Consumed ${consumed} records, not 6, within ${consumeWaitMs} ms`)), consumeWaitMs);
  void consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, partition, heartbeat }) => {
      consumed++;
      // Past the heartbeat interval, so heartbeat() sends a Heartbeat request.
      if (consumed === 1) await Bun.sleep(700);
      await heartbeat();
      await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
      if (consumed === 6) {
        clearTimeout(timer);
        resolve();
      }
    },
  });
});
await Bun.sleep(1_500);
await consumer.disconnect();

const transactional = kafka.producer({ transactionalId: "kafkajs-txn", idempotent: true, maxInFlightRequests: 1 });
await transactional.connect();
const committed = await transactional.transaction();
await committed.send({ topic, messages: [{ value: "in-transaction" }] });
await committed.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: "7" }] }] });
await committed.commit();
const aborted = await transactional.transaction();
await aborted.send({ topic, messages: [{ value: "aborted" }] });
await aborted.abort();
await transactional.disconnect();

await admin.listGroups();
await admin.describeGroups([groupId]);
await admin.fetchOffsets({ groupId, topics: [topic] });
await admin.deleteGroups([groupId]);

const acl = {
  resourceType: AclResourceTypes.TOPIC,
  resourceName: topic,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: "User:alice",
  host: "*",
  operation: AclOperationTypes.READ,
  permissionType: AclPermissionTypes.ALLOW,
};
await admin.createAcls({ acl: [acl] });
await admin.describeAcls({ ...acl, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
await admin.deleteAcls({ filters: [{ ...acl, resourcePatternType: ResourcePatternTypes.ANY }] });
await admin.deleteTopics({ topics: ["kafkajs-doomed"] });
await admin.disconnect();
