"""Reads __consumer_offsets with kafka-python and decodes it with Kafka's schemas, as lag
monitors (Burrow and others) do, for tests/e2e/offsets-topic.test.ts.

Usage: kafka_python_offsets_topic.py BOOTSTRAP
Prints one JSON object: the committed offsets found ({group: {"topic/partition": offset}}, last
value per key, tombstones deleting), the classic groups found (GroupMetadataKey), the count of
records per key version, and any record that did not decode.
"""

import json
import struct
import sys

from kafka import KafkaConsumer, TopicPartition

POLL_DEADLINE_S = 30.0


class Cursor:
    def __init__(self, data):
        self.data = data
        self.at = 0

    def take(self, fmt):
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return values[0]

    def string(self):
        length = self.take(">h")
        if length < 0:
            return None
        text = self.data[self.at:self.at + length].decode("utf-8")
        self.at += length
        return text


def decode_offset_value(data):
    cursor = Cursor(data)
    version = cursor.take(">h")
    if version > 3:
        raise ValueError(f"OffsetCommitValue version {version} is flexible; this reader knows 0-3")
    offset = cursor.take(">q")
    if version >= 3:
        cursor.take(">i")  # leader epoch
    cursor.string()  # metadata
    cursor.take(">q")  # commit timestamp
    if version == 1:
        cursor.take(">q")  # expire timestamp
    return offset


def main():
    bootstrap = sys.argv[1]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, consumer_timeout_ms=1000)
    partition = TopicPartition("__consumer_offsets", 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    end = consumer.end_offsets([partition])[partition]
    offsets, groups, versions, problems = {}, {}, {}, []
    while consumer.position(partition) < end:
        for batch in consumer.poll(timeout_ms=int(POLL_DEADLINE_S * 1000)).values():
            for record in batch:
                try:
                    cursor = Cursor(record.key)
                    version = cursor.take(">h")
                    versions[str(version)] = versions.get(str(version), 0) + 1
                    if version in (0, 1):
                        group, topic, index = cursor.string(), cursor.string(), cursor.take(">i")
                        where = f"{topic}/{index}"
                        if record.value is None:
                            offsets.get(group, {}).pop(where, None)
                        else:
                            offsets.setdefault(group, {})[where] = decode_offset_value(record.value)
                    elif version == 2:
                        group = cursor.string()
                        if record.value is None:
                            groups.pop(group, None)
                        else:
                            value = Cursor(record.value)
                            value.take(">h")
                            groups[group] = {"protocolType": value.string(), "generation": value.take(">i")}
                except Exception as error:  # noqa: BLE001 - every undecodable record is reported
                    problems.append(f"offset {record.offset}: {error}")
    consumer.close()
    offsets = {group: entries for group, entries in offsets.items() if entries}
    print(json.dumps({"offsets": offsets, "groups": groups, "keyVersions": versions, "problems": problems}))


if __name__ == "__main__":
    main()
