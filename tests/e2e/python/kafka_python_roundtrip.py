"""kafka-python round trip against chronik, driven by tests/e2e/python.test.ts.

Reads a JSON job on stdin (bootstrap, topic, compression, records with hex keys/values/headers and
timestamps, seek offset, timestamps to look up), produces the records with acks=all to partition 0,
reads them back with assign + seek (no consumer group), looks offsets up by time, and prints what
it saw as JSON on stdout. The TypeScript test owns the expectations and compares bytes.
"""

import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

POLL_DEADLINE_MS = 30_000


def from_hex(text):
    return None if text is None else bytes.fromhex(text)


def to_hex(data):
    return None if data is None else data.hex()


def record_json(message):
    return {
        "offset": message.offset,
        "timestamp": message.timestamp,
        "key": to_hex(message.key),
        "value": to_hex(message.value),
        "headers": [[name, to_hex(value)] for name, value in (message.headers or [])],
    }


def produce(job):
    producer = KafkaProducer(
        bootstrap_servers=job["bootstrap"],
        acks="all",
        compression_type=None if job["compression"] == "none" else job["compression"],
        linger_ms=5,
        retries=0,
    )
    futures = []
    for record in job["records"]:
        futures.append(
            producer.send(
                job["topic"],
                key=from_hex(record["key"]),
                value=from_hex(record["value"]),
                headers=[(name, from_hex(value)) for name, value in record["headers"]],
                partition=0,
                timestamp_ms=record["timestamp"],
            )
        )
    producer.flush(timeout=30)
    produced = []
    for future in futures:
        metadata = future.get(timeout=30)
        produced.append({"partition": metadata.partition, "offset": metadata.offset})
    producer.close(timeout=10)
    return produced


def read_from(consumer, partition, offset, count):
    consumer.seek(partition, offset)
    messages = []
    polls = 0
    while len(messages) < count and polls * 500 < POLL_DEADLINE_MS:
        polls += 1
        batch = consumer.poll(timeout_ms=500, max_records=1000)
        for records in batch.values():
            messages.extend(records)
    return [record_json(message) for message in messages[:count]]


def main():
    job = json.load(sys.stdin)
    produced = produce(job)
    partition = TopicPartition(job["topic"], 0)
    consumer = KafkaConsumer(
        bootstrap_servers=job["bootstrap"],
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="none",
    )
    consumer.assign([partition])
    total = len(job["records"])
    consumed = read_from(consumer, partition, 0, total)
    seek_offset = job["seekOffset"]
    seeked = read_from(consumer, partition, seek_offset, total - seek_offset)
    lookups = []
    for timestamp in job["lookupTimestamps"]:
        found = consumer.offsets_for_times({partition: timestamp})[partition]
        lookups.append(None if found is None else {"offset": found.offset})
    beginning = consumer.beginning_offsets([partition])[partition]
    end = consumer.end_offsets([partition])[partition]
    consumer.close()
    json.dump(
        {
            "produced": produced,
            "consumed": consumed,
            "seeked": seeked,
            "lookups": lookups,
            "beginningOffset": beginning,
            "endOffset": end,
        },
        sys.stdout,
    )


main()
