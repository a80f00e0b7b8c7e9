"""A confluent-kafka group consumer whose topic is deleted under it, then closed.

Driven by tests/e2e/topic-deletion.test.ts. The script creates the topic, produces one record,
consumes it in group mode, deletes the topic with the admin client, keeps polling until the client
has seen the deletion, then calls close() on a separate thread, bounded by --close-timeout. It
prints one JSON object:
  consumed        whether the record was read before the deletion
  closed          whether close() returned within the bound
  close_seconds   how long close() took (or the bound)
  seen_gone       whether librdkafka reported the topic gone to the application
librdkafka's protocol debug log goes to stderr, and a marker line there says where close() began,
so the test can check that every request sent before it was answered.
It exits with os._exit so a client thread stuck in close() cannot keep the process alive.
"""

import argparse
import json
import os
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--close-timeout", type=float, default=15.0)
args = parser.parse_args()
close_marker = "chronik-test: close() begins"


def bounded_close(close):
    finished = threading.Event()
    started = time.monotonic()

    def run():
        close()
        finished.set()

    threading.Thread(target=run, daemon=True).start()
    closed = finished.wait(args.close_timeout)
    return closed, time.monotonic() - started


def run_confluent_kafka():
    from confluent_kafka import Consumer, KafkaError, Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    common = {"bootstrap.servers": args.bootstrap, "broker.address.family": "v4"}
    admin = AdminClient(common)
    admin.create_topics([NewTopic(args.topic, 1, 1)])[args.topic].result(timeout=20)
    producer = Producer({**common, "acks": "all"})
    producer.produce(args.topic, b"before-delete")
    producer.flush(20)
    # librdkafka's protocol debug log goes to stderr; the test matches its requests with responses.
    consumer = Consumer({**common, "group.id": args.topic, "auto.offset.reset": "earliest",
                         "topic.metadata.refresh.interval.ms": 500, "debug": "protocol,broker"})
    consumer.subscribe([args.topic])
    consumed = False
    deadline = time.monotonic() + 30
    while not consumed and time.monotonic() < deadline:
        message = consumer.poll(0.2)
        consumed = message is not None and message.error() is None
    admin.delete_topics([args.topic])[args.topic].result(timeout=20)
    # librdkafka tells the application when a subscribed topic is gone.
    seen_gone = False
    deadline = time.monotonic() + 20
    while not seen_gone and time.monotonic() < deadline:
        message = consumer.poll(0.2)
        seen_gone = message is not None and message.error() is not None and message.error().code() in (
            KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_PARTITION, KafkaError._UNKNOWN_TOPIC)
    # In-flight requests get their answers before close() begins.
    settle_until = time.monotonic() + 1
    while time.monotonic() < settle_until:
        consumer.poll(0.1)
    print(close_marker, file=sys.stderr, flush=True)
    closed, seconds = bounded_close(consumer.close)
    return {"consumed": consumed, "closed": closed, "close_seconds": seconds, "seen_gone": seen_gone}


result = run_confluent_kafka()
print(json.dumps(result), flush=True)
os._exit(0)
