"""kafka-python KafkaConsumer in a group: reads up to --count records of one topic, commits
synchronously, closes, and prints the values it read as JSON on stdout."""
import argparse
import json
import time

from kafka import KafkaConsumer

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--group", required=True)
parser.add_argument("--count", type=int, required=True)
parser.add_argument("--timeout-s", type=float, default=30.0)
args = parser.parse_args()

consumer = KafkaConsumer(
    args.topic,
    bootstrap_servers=args.bootstrap,
    group_id=args.group,
    auto_offset_reset="earliest",
    enable_auto_commit=False,
    session_timeout_ms=6000,
    heartbeat_interval_ms=1000,
    max_poll_records=10,
    api_version_auto_timeout_ms=10000,
)
values = []
deadline = time.time() + args.timeout_s
while len(values) < args.count and time.time() < deadline:
    for records in consumer.poll(timeout_ms=500, max_records=args.count - len(values)).values():
        values.extend(record.value.decode() for record in records)
consumer.commit()
consumer.close()
print(json.dumps(values))
