"""confluent-kafka (librdkafka) transactions against chronik, for tests/e2e/transactions.test.ts.

Modes (the last line printed is one JSON object):
  consume BOOTSTRAP TOPIC ISOLATION   the values of partition 0 from the beginning to its end,
                                      read with isolation.level ISOLATION
  fence BOOTSTRAP TOPIC               starts two transactional producers with one transactional.id;
                                      the first one's commit must fail as fenced
  ctp BOOTSTRAP IN OUT TXNID GROUP [HOLD]
                                      consume-transform-produce: reads IN (read_committed) as the
                                      static member of GROUP and, per poll, writes "out-<value>"
                                      to OUT and the consumed offsets in one transaction; stops
                                      once its positions reach the end of every partition of IN.
                                      It may be SIGKILLed at any point and started again: what it
                                      committed counts once. With HOLD, transaction number HOLD
                                      prints "holding" once its records are written and then
                                      waits, uncommitted, for the test to kill it.
"""

import json
import signal
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

DEADLINE_S = 60.0


def base(bootstrap):
    return {"bootstrap.servers": bootstrap, "broker.address.family": "v4"}


def consume(bootstrap, topic, isolation):
    consumer = Consumer({**base(bootstrap), "group.id": "unused-" + isolation, "isolation.level": isolation,
                         "enable.partition.eof": True, "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    values = []
    while True:
        message = consumer.poll(DEADLINE_S)
        if message is None:
            raise RuntimeError("no end of partition within the deadline")
        if message.error():
            if message.error().code() == -191:  # _PARTITION_EOF
                break
            raise KafkaException(message.error())
        values.append(message.value().decode())
    consumer.close()
    print(json.dumps({"values": values}))


def fence(bootstrap, topic):
    first = Producer({**base(bootstrap), "transactional.id": "fenced-id"})
    first.init_transactions(DEADLINE_S)
    first.begin_transaction()
    first.produce(topic, value=b"from-first", partition=0)
    first.flush(DEADLINE_S)
    second = Producer({**base(bootstrap), "transactional.id": "fenced-id"})
    second.init_transactions(DEADLINE_S)
    outcome = {"firstCommitted": False}
    try:
        first.commit_transaction(DEADLINE_S)
        outcome["firstCommitted"] = True
    except KafkaException as error:
        kafka_error = error.args[0]
        outcome.update({"error": kafka_error.name(), "fatal": kafka_error.fatal()})
    second.begin_transaction()
    second.produce(topic, value=b"from-second", partition=0)
    second.commit_transaction(DEADLINE_S)
    print(json.dumps(outcome))


def caught_up(consumer):
    assignment = consumer.assignment()
    if not assignment:
        return False
    for position in consumer.position(assignment):
        low, high = consumer.get_watermark_offsets(TopicPartition(position.topic, position.partition), DEADLINE_S)
        # No position yet is caught up only for a partition with nothing to read.
        if position.offset < 0 and low < high or position.offset >= 0 and position.offset < high:
            return False
    return True


def consume_transform_produce(bootstrap, source, target, transactional_id, group, hold="0"):
    # A static member: the restarted instance takes the killed one's place without waiting for its session to end.
    consumer = Consumer({**base(bootstrap), "group.id": group, "group.instance.id": transactional_id, "isolation.level": "read_committed",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest", "session.timeout.ms": 10000})
    producer = Producer({**base(bootstrap), "transactional.id": transactional_id})
    producer.init_transactions(DEADLINE_S)
    consumer.subscribe([source])
    transactions = 0
    while True:
        messages = [message for message in consumer.consume(num_messages=100, timeout=0.5) if not message.error()]
        if not messages:
            if caught_up(consumer):
                break
            continue
        producer.begin_transaction()
        for message in messages:
            producer.produce(target, value=b"out-" + message.value(), partition=message.partition())
        if transactions + 1 == int(hold):
            producer.flush(DEADLINE_S)
            print("holding", flush=True)
            signal.pause()  # until the test's SIGKILL
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), DEADLINE_S)
        producer.commit_transaction(DEADLINE_S)
        transactions += 1
        print(f"committed transaction {transactions}", flush=True)
    consumer.close()
    print(json.dumps({"transactions": transactions}))


def main():
    mode = sys.argv[1]
    if mode == "consume":
        consume(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "fence":
        fence(sys.argv[2], sys.argv[3])
    elif mode == "ctp":
        consume_transform_produce(*sys.argv[2:8])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
