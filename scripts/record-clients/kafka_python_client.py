"""kafka-python workload for scripts/record-clients.ts: admin (topics, partitions, configs,
groups, ACLs), produce without and with gzip (the only codec kafka-python has without extra
libraries here), and a consumer group that commits. Arguments: BOOTSTRAP USER PASSWORD."""

import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, ConfigResource,
                         ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic, ResourcePattern,
                         ResourcePatternFilter, ResourceType)

DEADLINE_MS = 30_000
bootstrap, user, password = sys.argv[1:4]
base = {
    "bootstrap_servers": bootstrap, "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN",
    "sasl_plain_username": user, "sasl_plain_password": password, "client_id": "kafka-python-recorder",
}

admin = KafkaAdminClient(**base)
admin.create_topics([NewTopic("kafka-python-topic", 1, 1), NewTopic("kafka-python-doomed", 2, 1)], timeout_ms=DEADLINE_MS)
admin.create_partitions({"kafka-python-doomed": NewPartitions(3)})
admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kafka-python-doomed")])
admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kafka-python-doomed", configs={"retention.ms": "3600000"})])
admin.describe_cluster()
admin.describe_topics(["kafka-python-topic"])

for codec in [None, "gzip"]:
    producer = KafkaProducer(**base, compression_type=codec, linger_ms=5)
    for index in range(3):
        producer.send("kafka-python-topic", key=f"key-{index}".encode(), value=f"{codec}-{index}".encode(), headers=[("trace", b"abc")])
    producer.flush(DEADLINE_MS / 1000)
    producer.close()

consumer = KafkaConsumer("kafka-python-topic", **base, group_id="kafka-python-group", auto_offset_reset="earliest",
                         enable_auto_commit=False, consumer_timeout_ms=DEADLINE_MS)
consumed = 0
for message in consumer:
    consumed += 1
    if consumed == 6:
        break
time.sleep(3.5)  # past heartbeat_interval_ms, so the member heartbeats before it commits
consumer.commit()
consumer.committed(TopicPartition("kafka-python-topic", 0))
consumer.end_offsets([TopicPartition("kafka-python-topic", 0)])
consumer.offsets_for_times({TopicPartition("kafka-python-topic", 0): 0})
consumer.close()

# As a client of Kafka 0.10.1, kafka-python speaks older versions (Produce v2, Fetch v3,
# JoinGroup v1, OffsetCommit v2, ...) and writes a magic-1 message set, which chronik refuses
# with INVALID_RECORD; chronik does not speak Fetch v3 (Kafka 4 dropped Fetch v0-3) and closes
# the connection, so the legacy consumer reads nothing. The exchanges are recorded all the same.
legacy = KafkaProducer(**base, api_version=(0, 10, 1), retries=0, max_block_ms=DEADLINE_MS)
try:
    legacy.send("kafka-python-topic", key=b"legacy", value=b"magic-1").get(DEADLINE_MS / 1000)
except Exception:  # noqa: BLE001 - the refusal is expected
    pass
legacy.close()
legacy_consumer = KafkaConsumer("kafka-python-topic", **base, api_version=(0, 10, 1), group_id="kafka-python-legacy",
                                auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=5_000)
for message in legacy_consumer:
    break
legacy_consumer.commit()
legacy_consumer.close()

admin.list_consumer_groups()
admin.describe_consumer_groups(["kafka-python-group"])
admin.list_consumer_group_offsets("kafka-python-group")
admin.delete_consumer_groups(["kafka-python-group"])

acl = ACL(principal="User:alice", host="*", operation=ACLOperation.READ, permission_type=ACLPermissionType.ALLOW,
          resource_pattern=ResourcePattern(ResourceType.TOPIC, "kafka-python-topic", ACLResourcePatternType.LITERAL))
admin.create_acls([acl])
acl_filter = ACLFilter(principal=None, host="*", operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                       resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, "kafka-python-topic", ACLResourcePatternType.ANY))
admin.describe_acls(acl_filter)
admin.delete_acls([acl_filter])
admin.delete_topics(["kafka-python-doomed"], timeout_ms=DEADLINE_MS)
admin.close()
