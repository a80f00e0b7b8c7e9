"""confluent-kafka AdminClient: creates a topic with the given configs, then describes its configs.

Driven by tests/e2e/topic-configs.test.ts. Prints one JSON object: {"created": true} or
{"created": false, "error": "<Kafka error name>: <message>"}, and when created, "configs": a map
of name to {"value": ..., "default": bool} as DescribeConfigs returned them.
"""

import argparse
import json

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--config", action="append", default=[], help="key=value, repeatable")
args = parser.parse_args()

admin = AdminClient({"bootstrap.servers": args.bootstrap, "broker.address.family": "v4"})
configs = dict(entry.split("=", 1) for entry in args.config)
try:
    admin.create_topics([NewTopic(args.topic, 1, 1, config=configs)], operation_timeout=10)[args.topic].result(timeout=20)
except KafkaException as error:
    kafka_error = error.args[0]
    print(json.dumps({"created": False, "error": f"{kafka_error.name()}: {kafka_error.str()}"}))
    raise SystemExit(0)

resource = ConfigResource(ConfigResource.Type.TOPIC, args.topic)
described = admin.describe_configs([resource])[resource].result(timeout=20)
print(json.dumps({
    "created": True,
    "configs": {name: {"value": entry.value, "default": entry.is_default} for name, entry in described.items()},
}))
