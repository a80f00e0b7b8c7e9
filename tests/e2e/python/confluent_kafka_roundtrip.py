"""confluent-kafka (librdkafka) round trip against chronik, driven by tests/e2e/python.test.ts.

Same job and output shape as kafka_python_roundtrip.py. librdkafka needs a group.id to create a
Consumer, but this script never subscribes or commits: it assigns partition 0 at explicit offsets,
seeks, and looks offsets up by time, so no group coordinator is involved.
"""

import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

POLL_DEADLINE_S = 30.0
REQUEST_TIMEOUT_S = 15.0


def from_hex(text):
    return None if text is None else bytes.fromhex(text)


def to_hex(data):
    return None if data is None else data.hex()


def log_error(error):
    print(f"librdkafka error: {error}", file=sys.stderr)


def record_json(message):
    return {
        "offset": message.offset(),
        "timestamp": message.timestamp()[1],
        "key": to_hex(message.key()),
        "value": to_hex(message.value()),
        "headers": [[name, to_hex(value)] for name, value in (message.headers() or [])],
    }


def produce(job):
    producer = Producer(
        {
            "bootstrap.servers": job["bootstrap"],
            "acks": "all",
            "compression.type": job["compression"],
            "linger.ms": 5,
            "enable.idempotence": False,
            "error_cb": log_error,
        }
    )
    produced = [None] * len(job["records"])

    def delivered(index):
        def report(error, message):
            if error is not None:
                raise KafkaException(error)
            produced[index] = {"partition": message.partition(), "offset": message.offset()}

        return report

    for index, record in enumerate(job["records"]):
        producer.produce(
            job["topic"],
            key=from_hex(record["key"]),
            value=from_hex(record["value"]),
            headers=[(name, from_hex(value)) for name, value in record["headers"]],
            partition=0,
            timestamp=record["timestamp"],
            on_delivery=delivered(index),
        )
        producer.poll(0)
    remaining = producer.flush(30)
    if remaining != 0:
        raise RuntimeError(f"{remaining} messages were not delivered within 30 s")
    return produced


def read(consumer, count):
    messages = []
    deadline = time.monotonic() + POLL_DEADLINE_S
    while len(messages) < count and time.monotonic() < deadline:
        for message in consumer.consume(num_messages=1000, timeout=0.5):
            if message.error() is not None:
                raise KafkaException(message.error())
            messages.append(message)
    return [record_json(message) for message in messages[:count]]


def main():
    job = json.load(sys.stdin)
    produced = produce(job)
    topic = job["topic"]
    consumer = Consumer(
        {
            "bootstrap.servers": job["bootstrap"],
            "group.id": "e2e-assign-only",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "error",
            "error_cb": log_error,
        }
    )
    total = len(job["records"])
    consumer.assign([TopicPartition(topic, 0, 0)])
    consumed = read(consumer, total)
    seek_offset = job["seekOffset"]
    consumer.seek(TopicPartition(topic, 0, seek_offset))
    seeked = read(consumer, total - seek_offset)
    lookups = []
    for timestamp in job["lookupTimestamps"]:
        [found] = consumer.offsets_for_times([TopicPartition(topic, 0, timestamp)], timeout=REQUEST_TIMEOUT_S)
        if found.error is not None:
            raise KafkaException(found.error)
        lookups.append(None if found.offset < 0 else {"offset": found.offset})
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=REQUEST_TIMEOUT_S)
    consumer.close()
    json.dump(
        {
            "produced": produced,
            "consumed": consumed,
            "seeked": seeked,
            "lookups": lookups,
            "beginningOffset": low,
            "endOffset": high,
        },
        sys.stdout,
    )


main()
