# Produces COUNT records to TOPIC and reads them back in GROUP, committing, with the client
# settings given as JSON (security.protocol, ssl.*, sasl.*): what tls.test.ts and sasl.test.ts
# check over their listeners. Prints the number of records read, and the first and last.
# Usage: confluent_kafka_secure_group.py SETTINGS_JSON TOPIC GROUP COUNT

import json
import sys

from confluent_kafka import Consumer, Producer

settings, topic, group, count = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
common = {**settings, "broker.address.family": "v4"}
producer = Producer(common)
for i in range(count):
    producer.produce(topic, value=f"confluent {i}".encode())
assert producer.flush(30) == 0
consumer = Consumer({**common, "group.id": group, "auto.offset.reset": "earliest"})
consumer.subscribe([topic])
seen = []
while len(seen) < count:
    message = consumer.poll(10)
    assert message is not None, f"only {len(seen)} records"
    assert message.error() is None, message.error()
    seen.append(message.value().decode())
consumer.commit(asynchronous=False)
consumer.close()
print(len(seen), seen[0], seen[-1])
