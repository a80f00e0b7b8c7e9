"""An idempotent confluent-kafka (librdkafka) producer for tests/e2e/idempotence.test.ts.

Reads lines from stdin; each holds a number n: produce the next n records to every partition
(values "p<partition>-<sequence>"). At end of input it flushes and prints one JSON line: how many
records were sent per partition, how many the broker acknowledged, and the delivery errors.
librdkafka is told to keep retrying for two minutes, across the broker's restarts.
"""

import json
import sys

from confluent_kafka import Producer

FLUSH_TIMEOUT_S = 150.0


def main():
    bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "broker.address.family": "v4",
        "enable.idempotence": True,
        "message.timeout.ms": 120000,
        "linger.ms": 5,
        "batch.num.messages": 500,
        "retry.backoff.ms": 50,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 250,
    })
    sent = [0] * partitions
    outcome = {"delivered": 0, "errors": []}

    def report(error, message):
        if error is None:
            outcome["delivered"] += 1
        elif len(outcome["errors"]) < 5:
            outcome["errors"].append(str(error))

    while True:
        line = sys.stdin.readline()
        if line == "":
            break
        for _ in range(int(line)):
            for partition in range(partitions):
                while True:
                    try:
                        producer.produce(topic, value=f"p{partition}-{sent[partition]}", partition=partition, on_delivery=report)
                        break
                    except BufferError:
                        producer.poll(0.05)
                sent[partition] += 1
        producer.poll(0)
    remaining = producer.flush(FLUSH_TIMEOUT_S)
    print(json.dumps({"sent": sent, "delivered": outcome["delivered"], "errors": outcome["errors"], "remaining": remaining}))


if __name__ == "__main__":
    main()
