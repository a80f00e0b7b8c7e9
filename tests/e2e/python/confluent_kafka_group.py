"""confluent-kafka (librdkafka) KafkaConsumer in a group, driven by tests/e2e/groups-python.test.ts.

Subscribes to one topic and runs until killed or --exit-after-s passes. It commits every record
synchronously before reporting it, so whatever it reports is committed. Events go to stdout as
JSON lines: {"event": "assign", "partitions": [...]}, {"event": "revoke", ...},
{"event": "record", "partition": p, "offset": o, "value": v}. With --instance-id it is a static
member (group.instance.id), which sends no LeaveGroup when it stops. With --strategy
cooperative-sticky the assign and revoke events carry only the partitions added or taken away
(incremental rebalancing).
"""

import argparse
import json
import sys
import time

from confluent_kafka import Consumer

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--group", required=True)
parser.add_argument("--instance-id")
parser.add_argument("--session-timeout-ms", type=int, default=6000)
parser.add_argument("--exit-after-s", type=float, default=90.0)
parser.add_argument("--strategy", default="range,roundrobin", help="partition.assignment.strategy, e.g. cooperative-sticky")
args = parser.parse_args()


def emit(event):
    print(json.dumps(event), flush=True)


def on_assign(consumer, partitions):
    emit({"event": "assign", "partitions": sorted(p.partition for p in partitions)})


def on_revoke(consumer, partitions):
    emit({"event": "revoke", "partitions": sorted(p.partition for p in partitions)})


def on_error(error):
    print(f"librdkafka error: {error}", file=sys.stderr, flush=True)


settings = {
    "bootstrap.servers": args.bootstrap,
    "broker.address.family": "v4",
    "group.id": args.group,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "session.timeout.ms": args.session_timeout_ms,
    "heartbeat.interval.ms": 500,
    "error_cb": on_error,
    "partition.assignment.strategy": args.strategy,
}
if args.instance_id:
    settings["group.instance.id"] = args.instance_id

consumer = Consumer(settings)
consumer.subscribe([args.topic], on_assign=on_assign, on_revoke=on_revoke)
deadline = time.time() + args.exit_after_s
while time.time() < deadline:
    message = consumer.poll(0.2)
    if message is None:
        continue
    if message.error():
        on_error(message.error())
        continue
    consumer.commit(message=message, asynchronous=False)
    emit({"event": "record", "partition": message.partition(), "offset": message.offset(), "value": message.value().decode()})
consumer.close()
