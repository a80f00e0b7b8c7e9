"""confluent-kafka (librdkafka) workload for scripts/record-clients.ts: admin, produce in every
compression codec, idempotent and transactional produce (with offsets sent to the transaction),
and a consumer group that commits. Arguments: BOOTSTRAP USER PASSWORD."""

import sys

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

DEADLINE_S = 30.0
bootstrap, user, password = sys.argv[1:4]
base = {
    "bootstrap.servers": bootstrap, "broker.address.family": "v4",
    "security.protocol": "sasl_plaintext", "sasl.mechanisms": "PLAIN",
    "sasl.username": user, "sasl.password": password,
}


def wait_all(futures):
    for future in futures.values():
        future.result(DEADLINE_S)


admin = AdminClient(base)
wait_all(admin.create_topics([NewTopic("confluent-topic", 1, 1), NewTopic("confluent-doomed", 2, 1)], operation_timeout=DEADLINE_S))
wait_all(admin.create_partitions([NewPartitions("confluent-doomed", 3)]))
topic_config = ConfigResource(ConfigResource.Type.TOPIC, "confluent-doomed")
wait_all(admin.describe_configs([topic_config]))
wait_all(admin.alter_configs([ConfigResource(ConfigResource.Type.TOPIC, "confluent-doomed", set_config={"retention.ms": "3600000"})]))
admin.list_topics(timeout=DEADLINE_S)

for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
    producer = Producer({**base, "compression.codec": codec, "linger.ms": 5})
    for index in range(3):
        producer.produce("confluent-topic", key=f"key-{index}", value=f"{codec}-{index}", headers=[("trace", b"abc")])
    producer.flush(DEADLINE_S)

idempotent = Producer({**base, "enable.idempotence": True})
idempotent.produce("confluent-topic", value=b"idempotent")
idempotent.flush(DEADLINE_S)

consumer = Consumer({**base, "group.id": "confluent-group", "auto.offset.reset": "earliest", "enable.auto.commit": False,
                     "isolation.level": "read_committed"})
consumer.subscribe(["confluent-topic"])
consumed = 0
while consumed < 16:
    message = consumer.poll(DEADLINE_S)
    if message is None:
        raise RuntimeError("no message within the deadline")
    if message.error():
        continue
    consumed += 1
consumer.commit(asynchronous=False)
consumer.committed([TopicPartition("confluent-topic", 0)], DEADLINE_S)

transactional = Producer({**base, "transactional.id": "confluent-txn"})
transactional.init_transactions(DEADLINE_S)
transactional.begin_transaction()
transactional.produce("confluent-topic", value=b"in-transaction")
transactional.send_offsets_to_transaction([TopicPartition("confluent-topic", 0, consumed)], consumer.consumer_group_metadata(), DEADLINE_S)
transactional.commit_transaction(DEADLINE_S)
transactional.begin_transaction()
transactional.produce("confluent-topic", value=b"aborted")
transactional.abort_transaction(DEADLINE_S)
consumer.close()

admin.list_groups(timeout=DEADLINE_S)
wait_all(admin.delete_topics(["confluent-doomed"], operation_timeout=DEADLINE_S))
