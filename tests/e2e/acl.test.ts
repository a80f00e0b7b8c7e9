// ACLs against real clients: with authentication on, a user without an ACL gets
// TOPIC_AUTHORIZATION_FAILED or GROUP_AUTHORIZATION_FAILED from kcat, confluent-kafka, kafkajs and
// @platformatic/kafka, and succeeds once `chronik acl create` grants it; prefixed patterns and
// deny rules behave as Kafka's; Metadata lists only what a user may describe; a TLS client
// certificate's subject is the principal ACLs name.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { Producer as PlatformaticProducer, ProduceAcks, stringSerializers } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { makeCertificates, type TestCertificates } from "./certificates.ts";
import { type Broker, chronikCommand, loopbackHost, makeTempDir, pythonPath, run, runOk, startBroker } from "./harness.ts";

setDefaultTimeout(180_000);

let certificates: TestCertificates;
let broker: Broker;
let dataDir: string;

const passwords: Record<string, string> = { admin: "admin-secret", alice: "alice-secret", bob: "bob-secret" };

/** librdkafka's settings for `user` over the SASL_SSL listener. */
function saslSettings(user: string): Record<string, string> {
  return {
    "security.protocol": "sasl_ssl",
    "ssl.ca.location": certificates.caCert,
    "sasl.mechanisms": "SCRAM-SHA-512",
    "sasl.username": user,
    "sasl.password": passwords[user],
  };
}

function kcatAs(user: string, args: string[]): string[] {
  const settings = Object.entries(saslSettings(user)).flatMap(([key, value]) => ["-X", `${key}=${value}`]);
  return ["kcat", "-b", `${loopbackHost}:${broker.listenerPorts.SASL_SSL}`, "-X", "broker.address.family=v4", "-m", "10", ...settings, ...args];
}

/** `chronik <args>` authenticated as `user`. */
function chronikAs(user: string, args: string[]): string[] {
  const settings = Object.entries({ ...saslSettings(user), "sasl.mechanism": "SCRAM-SHA-512" })
    .filter(([key]) => key !== "sasl.mechanisms")
    .flatMap(([key, value]) => ["-X", `${key}=${value}`]);
  return [...chronikCommand(), ...args, "-b", `${loopbackHost}:${broker.listenerPorts.SASL_SSL}`, ...settings];
}

const acl = (args: string[]) => runOk(chronikAs("admin", ["acl", ...args]), { timeoutMs: 30_000 });

beforeAll(async () => {
  certificates = await makeCertificates();
  dataDir = await makeTempDir("acl-data");
  for (const user of Object.keys(passwords)) {
    await runOk([...chronikCommand(), "user", "set", user, "--password", passwords[user], "--mechanism", "SCRAM-SHA-512", "--data", dataDir], { timeoutMs: 30_000 });
  }
  broker = await startBroker({
    dataDir,
    listeners: ["SASL_SSL", "SSL"],
    args: ["--tls-cert", certificates.serverCert, "--tls-key", certificates.serverKey, "--tls-ca", certificates.caCert, "--super-users", "User:admin", "--no-auto-create-topics"],
  });
  for (const topic of ["orders", "logs-app", "logs-secret", "certs"]) {
    await runOk(chronikAs("admin", ["topic", "create", topic]), { timeoutMs: 30_000 });
  }
});

afterAll(async () => {
  await broker?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (certificates) await rm(certificates.dir, { recursive: true, force: true });
});

describe("without an ACL", () => {
  test("Metadata lists nothing to alice, the PLAINTEXT listener's ANONYMOUS sees nothing, the super user sees every topic", async () => {
    const listed = (await runOk(kcatAs("alice", ["-L", "-J"]), { timeoutMs: 30_000 })).stdout.toString();
    expect(JSON.parse(listed).topics).toEqual([]);
    const anonymous = JSON.parse((await runOk(["kcat", "-b", broker.bootstrap, "-X", "broker.address.family=v4", "-L", "-J"], { timeoutMs: 30_000 })).stdout.toString());
    expect(anonymous.topics).toEqual([]);
    const admin = JSON.parse((await runOk(kcatAs("admin", ["-L", "-J"]), { timeoutMs: 30_000 })).stdout.toString());
    expect(admin.topics.map((topic: { topic: string }) => topic.topic).sort()).toEqual(["__consumer_offsets", "__transaction_state", "certs", "logs-app", "logs-secret", "orders"]);
  });

  test("ACL requests from a user who is not allowed to ALTER the cluster are refused", async () => {
    const refused = await run(chronikAs("alice", ["acl", "create", "--allow-principal", "User:alice", "--operation", "all", "--topic", "orders"]), { timeoutMs: 30_000 });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout.toString()).toContain("CLUSTER_AUTHORIZATION_FAILED");
    const list = await run(chronikAs("alice", ["acl", "list"]), { timeoutMs: 30_000 });
    expect(list.exitCode).toBe(1);
    expect(list.stderr).toMatch(/^chronik acl list: .*CLUSTER_AUTHORIZATION_FAILED.*\n$/);
  });
});

describe("kcat", () => {
  test("alice cannot write to orders until `chronik acl create` allows WRITE; then she can, and can read once allowed READ", async () => {
    const refused = await run(kcatAs("alice", ["-P", "-t", "orders"]), { stdin: "refused\n", timeoutMs: 30_000 });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("Topic authorization failed");
    const created = await acl(["create", "--allow-principal", "alice", "--operation", "write", "--topic", "orders"]);
    expect(created.stdout.toString()).toContain("User:alice  *     TOPIC          orders         LITERAL                WRITE      ALLOW");
    await runOk(kcatAs("alice", ["-P", "-t", "orders"]), { stdin: "first order\n", timeoutMs: 30_000 });
    // WRITE implies DESCRIBE, not READ.
    const unread = await run(kcatAs("alice", ["-C", "-t", "orders", "-o", "beginning", "-e", "-q"]), { timeoutMs: 30_000 });
    expect(unread.exitCode).not.toBe(0);
    expect(unread.stderr).toContain("Topic authorization failed");
    await acl(["create", "--allow-principal", "User:alice", "--operation", "read", "--topic", "orders"]);
    const read = await runOk(kcatAs("alice", ["-C", "-t", "orders", "-o", "beginning", "-e", "-q"]), { timeoutMs: 30_000 });
    expect(read.stdout.toString()).toBe("first order\n");
    const listed = JSON.parse((await runOk(kcatAs("alice", ["-L", "-J"]), { timeoutMs: 30_000 })).stdout.toString());
    expect(listed.topics.map((topic: { topic: string }) => topic.topic)).toEqual(["orders"]);
  });
});

describe("confluent-kafka", () => {
  test("a group alice may not READ is refused with GROUP_AUTHORIZATION_FAILED; allowed, she consumes and commits", async () => {
    const script = `
import json, sys
from confluent_kafka import Consumer, KafkaException
settings = {**json.loads(sys.argv[1]), "broker.address.family": "v4", "group.id": "billing", "auto.offset.reset": "earliest", "enable.auto.commit": False}
consumer = Consumer(settings)
consumer.subscribe(["orders"])
try:
    while True:
        message = consumer.poll(15)
        if message is None:
            print("timeout")
            break
        if message.error():
            print(message.error().name())
            break
        consumer.commit(message, asynchronous=False)
        print("consumed", message.value().decode())
        break
except KafkaException as error:
    print(error.args[0].name())
consumer.close()
`;
    const settings = JSON.stringify({ "bootstrap.servers": `${loopbackHost}:${broker.listenerPorts.SASL_SSL}`, ...saslSettings("alice") });
    const refused = await runOk([pythonPath, "-c", script, settings], { timeoutMs: 60_000 });
    expect(refused.stdout.toString().trim()).toBe("GROUP_AUTHORIZATION_FAILED");
    await acl(["create", "--allow-principal", "User:alice", "--operation", "read", "--group", "billing"]);
    const allowed = await runOk([pythonPath, "-c", script, settings], { timeoutMs: 60_000 });
    expect(allowed.stdout.toString().trim()).toBe("consumed first order");
    const described = JSON.parse((await runOk(chronikAs("admin", ["group", "describe", "billing", "--format", "json"]), { timeoutMs: 30_000 })).stdout.toString());
    expect(described.partitions.map((row: { committedOffset: number }) => row.committedOffset)).toEqual([1]);
  });
});

describe("kafkajs", () => {
  test("a prefixed ACL lets bob write to every logs- topic, and a deny rule on one of them wins", async () => {
    const kafka = new Kafka({
      brokers: [`${loopbackHost}:${broker.listenerPorts.SASL_SSL}`],
      clientId: "e2e-kafkajs-acl",
      ssl: { ca: [readFileSync(certificates.caCert, "utf8")] },
      sasl: { mechanism: "scram-sha-512", username: "bob", password: passwords.bob },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const send = (topic: string) => producer.send({ topic, messages: [{ value: `to ${topic}` }] });
      await expect(send("logs-app")).rejects.toThrow("Topic authorization failed");
      await acl(["create", "--allow-principal", "User:bob", "--operation", "write", "--topic", "logs-", "--resource-pattern-type", "prefixed"]);
      await acl(["create", "--deny-principal", "User:bob", "--operation", "write", "--topic", "logs-secret"]);
      await send("logs-app");
      await expect(send("logs-secret")).rejects.toThrow("Topic authorization failed");
      // The prefix does not reach other topics.
      await expect(send("orders")).rejects.toThrow("Topic authorization failed");
    } finally {
      await producer.disconnect();
    }
    const read = await runOk(kcatAs("admin", ["-C", "-t", "logs-app", "-o", "beginning", "-e", "-q"]), { timeoutMs: 30_000 });
    expect(read.stdout.toString()).toBe("to logs-app\n");
    const listed = (await acl(["list", "--topic", "logs-secret", "--format", "json"])).stdout.toString();
    expect(listed.trim().split("\n").map((line) => JSON.parse(line))).toEqual([
      { principal: "User:bob", host: "*", resourceType: "TOPIC", resourceName: "logs-secret", patternType: "LITERAL", operation: "WRITE", permission: "DENY" },
    ]);
  });
});

describe("@platformatic/kafka", () => {
  test("bob's produce to orders is refused until allowed, and refused again once the ACL is deleted", async () => {
    const producer = new PlatformaticProducer({
      clientId: "e2e-platformatic-acl",
      bootstrapBrokers: [`${loopbackHost}:${broker.listenerPorts.SASL_SSL}`],
      retries: 0,
      tls: { ca: readFileSync(certificates.caCert) },
      sasl: { mechanism: "SCRAM-SHA-512", username: "bob", password: passwords.bob },
      serializers: stringSerializers,
    });
    // @platformatic/kafka reports the broker's answer, error codes and all, in the error it throws.
    const flattened = (error: unknown): unknown[] => [error, ...((error as { errors?: unknown[] }).errors ?? []).flatMap(flattened)];
    const described = (error: unknown) => JSON.stringify(flattened(error), (_, value) => (typeof value === "bigint" ? String(value) : value));
    const refusal = (sent: Promise<unknown>) => sent.then(() => "sent", described);
    const send = () => producer.send({ messages: [{ topic: "orders", partition: 0, value: "from bob" }], acks: ProduceAcks.ALL });
    try {
      expect(await refusal(send())).toContain(`"errorCode":${ErrorCode.TOPIC_AUTHORIZATION_FAILED}`);
      await acl(["create", "--allow-principal", "User:bob", "--operation", "write", "--topic", "orders"]);
      await send();
      const deleted = await acl(["delete", "--allow-principal", "User:bob", "--topic", "orders"]);
      expect(deleted.stdout.toString()).toContain("User:bob");
      expect(await refusal(send())).toContain(`"errorCode":${ErrorCode.TOPIC_AUTHORIZATION_FAILED}`);
    } finally {
      await producer.close();
    }
  });
});

describe("TLS client certificates", () => {
  test("the certificate's subject is the principal: refused without an ACL, served with one naming it", async () => {
    const carol = await certificates.client("carol");
    const kcatCert = (args: string[]) => [
      "kcat", "-b", `${loopbackHost}:${broker.listenerPorts.SSL}`, "-X", "broker.address.family=v4", "-m", "10", "-X", "security.protocol=ssl",
      "-X", `ssl.ca.location=${certificates.caCert}`, "-X", `ssl.certificate.location=${carol.cert}`, "-X", `ssl.key.location=${carol.key}`, ...args,
    ];
    const refused = await run(kcatCert(["-P", "-t", "certs"]), { stdin: "refused\n", timeoutMs: 30_000 });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("Topic authorization failed");
    await acl(["create", "--allow-principal", "User:O=chronik-tests,CN=carol", "--operation", "all", "--topic", "certs"]);
    await runOk(kcatCert(["-P", "-t", "certs"]), { stdin: "signed by carol\n", timeoutMs: 30_000 });
    const read = await runOk(kcatCert(["-C", "-t", "certs", "-o", "beginning", "-e", "-q"]), { timeoutMs: 30_000 });
    expect(read.stdout.toString()).toBe("signed by carol\n");
  });
});

describe("the ACL admin API from each client", () => {
  /** How many requests of `api` the broker answered, by version, from its /metrics. */
  async function versionsUsed(api: string): Promise<Record<string, number>> {
    const response = await fetch(`http://${loopbackHost}:${broker.httpPort}/metrics`, { headers: { authorization: `Basic ${btoa(`admin:${passwords.admin}`)}` } });
    expect(response.status).toBe(200);
    const counts: Record<string, number> = {};
    for (const match of (await response.text()).matchAll(new RegExp(`^chronik_requests_total\\{api="${api}",version="(\\d+)"\\} (\\d+)`, "gm"))) counts[match[1]] = Number(match[2]);
    return counts;
  }

  test("kafka-python creates, describes and deletes an ACL", async () => {
    const script = `
import sys
from kafka import KafkaAdminClient
from kafka.admin import ACL, ACLFilter, ACLOperation, ACLPermissionType, ResourcePattern, ResourcePatternFilter, ResourceType, ACLResourcePatternType
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], security_protocol="SASL_SSL", ssl_cafile=sys.argv[2], sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="admin", sasl_plain_password=sys.argv[3])
acl = ACL(principal="User:python", host="*", operation=ACLOperation.READ, permission_type=ACLPermissionType.ALLOW, resource_pattern=ResourcePattern(ResourceType.TOPIC, "py-", ACLResourcePatternType.PREFIXED))
result = admin.create_acls([acl])
assert not result["failed"], result["failed"]
found, error = admin.describe_acls(ACLFilter(principal="User:python", host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY, resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))
print(len(found), found[0].resource_pattern.resource_name, found[0].resource_pattern.pattern_type.name)
deleted = admin.delete_acls([ACLFilter(principal="User:python", host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY, resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, "py-", ACLResourcePatternType.PREFIXED))])
print(len(deleted[0][1]))
admin.close()
`;
    const result = await runOk([pythonPath, "-c", script, `${loopbackHost}:${broker.listenerPorts.SASL_SSL}`, certificates.caCert, passwords.admin], { timeoutMs: 60_000 });
    expect(result.stdout.toString()).toBe("1 py- PREFIXED\n1\n");
  });

  test("kafkajs creates, describes and deletes an ACL", async () => {
    const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = await import("kafkajs");
    const kafka = new Kafka({
      brokers: [`${loopbackHost}:${broker.listenerPorts.SASL_SSL}`],
      clientId: "e2e-kafkajs-acl-admin",
      ssl: { ca: [readFileSync(certificates.caCert, "utf8")] },
      sasl: { mechanism: "scram-sha-512", username: "admin", password: passwords.admin },
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const entry = { resourceType: AclResourceTypes.GROUP, resourceName: "js-group", resourcePatternType: ResourcePatternTypes.LITERAL, principal: "User:js", host: "*", operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW };
      await admin.createAcls({ acl: [entry] });
      const described = await admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, principal: "User:js", operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
      expect(described.resources).toEqual([{ resourceType: AclResourceTypes.GROUP, resourceName: "js-group", resourcePatternType: ResourcePatternTypes.LITERAL, acls: [{ principal: "User:js", host: "*", operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }] }]);
      const deleted = await admin.deleteAcls({ filters: [{ resourceType: AclResourceTypes.GROUP, resourceName: "js-group", resourcePatternType: ResourcePatternTypes.LITERAL, principal: "User:js", host: "*", operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }] });
      expect(deleted.filterResponses[0].matchingAcls.length).toBe(1);
    } finally {
      await admin.disconnect();
    }
  });

  test("@platformatic/kafka creates, describes and deletes an ACL", async () => {
    const { Admin, ResourceTypes, ResourcePatternTypes, AclOperations, AclPermissionTypes } = await import("@platformatic/kafka");
    const admin = new Admin({
      clientId: "e2e-platformatic-acl-admin",
      bootstrapBrokers: [`${loopbackHost}:${broker.listenerPorts.SASL_SSL}`],
      tls: { ca: readFileSync(certificates.caCert) },
      sasl: { mechanism: "SCRAM-SHA-512", username: "admin", password: passwords.admin },
    });
    try {
      const target = { resourceType: ResourceTypes.TRANSACTIONAL_ID, resourceName: "pl-tx", resourcePatternType: ResourcePatternTypes.LITERAL };
      await admin.createAcls({ creations: [{ ...target, principal: "User:pl", host: "*", operation: AclOperations.WRITE, permissionType: AclPermissionTypes.DENY }] });
      const filter = { resourceType: ResourceTypes.ANY, resourceName: null, resourcePatternType: ResourcePatternTypes.ANY, principal: "User:pl", host: null, operation: AclOperations.ANY, permissionType: AclPermissionTypes.ANY };
      const described = await admin.describeAcls({ filter });
      expect(described.map((resource) => [resource.resourceName, resource.acls.length])).toEqual([["pl-tx", 1]]);
      expect((await admin.deleteAcls({ filters: [filter] })).length).toBe(1);
      expect(await admin.describeAcls({ filter })).toEqual([]);
    } finally {
      await admin.close();
    }
  });

  test("the versions the clients used are the ones docs/protocol.md names", async () => {
    // kafka-python and kafkajs speak v1 (prefixed patterns), @platformatic/kafka and chronik v3.
    for (const api of ["CreateAcls", "DescribeAcls", "DeleteAcls"]) {
      expect(Object.keys(await versionsUsed(api)).sort()).toEqual(["1", "3"]);
    }
  });
});
