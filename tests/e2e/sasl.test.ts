// SASL against real clients: users made with `chronik user set --data` before the broker's first
// start; kcat, confluent-kafka, kafkajs and @platformatic/kafka over SASL_SSL with SCRAM-SHA-512
// and PLAIN; a wrong password fails; nothing but the handshake is answered before
// authentication; 1 000 failed logins and garbage SASL frames leave the broker serving others.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { connect, type Socket } from "node:net";
import { Admin as PlatformaticAdmin, Consumer as PlatformaticConsumer, MessagesStreamFallbackModes, MessagesStreamModes, ProduceAcks, Producer as PlatformaticProducer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { encodeRequestFrame } from "../../src/protocol/frames.ts";
import { SaslAuthenticate } from "../../src/protocol/messages/sasl-authenticate.ts";
import { SaslHandshake } from "../../src/protocol/messages/sasl-handshake.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { makeCertificates, type TestCertificates } from "./certificates.ts";
import { type Broker, chronikCommand, eventually, kcat, loopbackHost, makeTempDir, pythonPath, run, runOk, startBroker } from "./harness.ts";

setDefaultTimeout(180_000);

let certificates: TestCertificates;
let broker: Broker;
let dataDir: string;

const users = { alice: "wonderland-512", bob: "builder-256" };

function kcatSasl(mechanism: string, user: string, password: string, args: string[]): string[] {
  return [
    "kcat", "-b", `${loopbackHost}:${broker.listenerPorts.SASL_SSL}`, "-X", "broker.address.family=v4", "-m", "10",
    "-X", "security.protocol=sasl_ssl", "-X", `ssl.ca.location=${certificates.caCert}`,
    "-X", `sasl.mechanisms=${mechanism}`, "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`,
    ...args,
  ];
}

beforeAll(async () => {
  certificates = await makeCertificates();
  dataDir = await makeTempDir("sasl-data");
  // The first users, before the broker ever ran on the folder (as kafka-storage format --add-scram).
  await runOk([...chronikCommand(), "user", "set", "alice", "--password", users.alice, "--mechanism", "SCRAM-SHA-512", "--data", dataDir], { timeoutMs: 30_000 });
  await runOk([...chronikCommand(), "user", "set", "bob", "--password", users.bob, "--mechanism", "SCRAM-SHA-256", "--data", dataDir], { timeoutMs: 30_000 });
  // Authentication turns the authorizer on; acl.test.ts checks the ACLs, this test authentication.
  broker = await startBroker({ dataDir, listeners: ["SASL_SSL", "SASL_PLAINTEXT"], args: ["--tls-cert", certificates.serverCert, "--tls-key", certificates.serverKey, "--allow-everyone-if-no-acl"] });
});

afterAll(async () => {
  await broker?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (certificates) await rm(certificates.dir, { recursive: true, force: true });
});

describe("chronik user", () => {
  test("list shows the users and mechanisms; the file holds no password", async () => {
    const listed = await runOk([...chronikCommand(), "user", "list", "--data", dataDir], { timeoutMs: 30_000 });
    expect(listed.stdout.toString()).toBe("alice\tSCRAM-SHA-512 (4096 iterations)\nbob\tSCRAM-SHA-256 (4096 iterations)\n");
    const file = readFileSync(`${dataDir}/users.json`, "utf8");
    expect(file).not.toContain(users.alice);
    expect(file).not.toContain(users.bob);
  });
});

describe("chronik user errors", () => {
  test("each mistake is one line and exit code 1, and the users stay as they were", async () => {
    const user = (args: string[]) => run([...chronikCommand(), "user", ...args], { timeoutMs: 30_000 });
    const cases: Array<[string[], RegExp]> = [
      [["set", "carol", "--data", dataDir], /^chronik user set: Give the password with --password or --password-file \(one of them\)\n$/],
      [["set", "carol", "--password", "x", "--mechanism", "SCRAM-SHA-1", "--data", dataDir], /option '--mechanism <mechanism>' argument 'SCRAM-SHA-1' is invalid/],
      [["set", "carol", "--password", "x", "--iterations", "10", "--data", dataDir], /Iterations must be from 4096 to 16384/],
      [["set", "carol", "--password-file", "/nonexistent", "--data", dataDir], /^chronik user set: Cannot read --password-file "\/nonexistent": ENOENT\n$/],
      [["delete", "carol", "--data", dataDir], /^chronik user delete: User "carol" has no credential in ".*"\n$/],
      [["list", "--data", dataDir, "-b", "localhost:9092"], /^chronik user list: --data works on the folder itself: leave out --brokers, -X and --config/],
    ];
    for (const [args, expected] of cases) {
      const result = await user(args);
      expect({ args, exitCode: result.exitCode }).toEqual({ args, exitCode: 1 });
      expect(result.stderr).toMatch(expected);
    }
    const listed = await runOk([...chronikCommand(), "user", "list", "--data", dataDir], { timeoutMs: 30_000 });
    expect(listed.stdout.toString()).toBe("alice\tSCRAM-SHA-512 (4096 iterations)\nbob\tSCRAM-SHA-256 (4096 iterations)\n");
  });

  test("a user added while the broker runs can log in after SIGHUP", async () => {
    const added = await runOk([...chronikCommand(), "user", "set", "dave", "--password", "late-comer", "--data", dataDir], { timeoutMs: 30_000 });
    expect(added.stderr).toContain(`kill -HUP ${broker.pid}`);
    const before = await run(kcatSasl("SCRAM-SHA-512", "dave", "late-comer", ["-L", "-m", "3"]), { timeoutMs: 30_000 });
    expect(before.exitCode).not.toBe(0);
    const mark = broker.logEnd;
    process.kill(broker.pid!, "SIGHUP");
    await eventually(async () => broker.logSince(mark).includes("Users reloaded"), "the broker reloads its users");
    await runOk(kcatSasl("SCRAM-SHA-512", "dave", "late-comer", ["-L"]), { timeoutMs: 30_000 });
    await runOk([...chronikCommand(), "user", "delete", "dave", "--data", dataDir], { timeoutMs: 30_000 });
  });
});

describe("SASL_SSL", () => {
  test("kcat with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN produces and consumes", async () => {
    await runOk(kcatSasl("SCRAM-SHA-512", "alice", users.alice, ["-P", "-t", "sasl-kcat"]), { stdin: "from alice\n", timeoutMs: 60_000 });
    await runOk(kcatSasl("PLAIN", "bob", users.bob, ["-P", "-t", "sasl-kcat"]), { stdin: "from bob\n", timeoutMs: 60_000 });
    const read = await runOk(kcatSasl("SCRAM-SHA-256", "bob", users.bob, ["-C", "-t", "sasl-kcat", "-o", "beginning", "-e", "-q"]), { timeoutMs: 60_000 });
    expect(read.stdout.toString()).toBe("from alice\nfrom bob\n");
  });

  test("kcat consumes in a group with SCRAM-SHA-512 and commits; PLAIN reads on from the committed offset", async () => {
    await runOk(kcatSasl("SCRAM-SHA-512", "alice", users.alice, ["-P", "-t", "sasl-kcat-group"]), { stdin: "one\ntwo\nthree\n", timeoutMs: 60_000 });
    const groupRead = (mechanism: string, user: string, password: string) =>
      runOk(kcatSasl(mechanism, user, password, ["-G", "sasl-kcat-group", "-X", "auto.offset.reset=earliest", "-X", "enable.auto.commit=true", "-X", "auto.commit.interval.ms=100", "-c", "3", "-q", "sasl-kcat-group"]), { timeoutMs: 60_000 });
    expect((await groupRead("SCRAM-SHA-512", "alice", users.alice)).stdout.toString()).toBe("one\ntwo\nthree\n");
    const described = JSON.parse((await runOk([...chronikCommand(), "group", "describe", "sasl-kcat-group", "-b", broker.bootstrap, "--format", "json"], { timeoutMs: 30_000 })).stdout.toString());
    expect(described.partitions.map((row: { committedOffset: number }) => row.committedOffset)).toEqual([3]);
    await runOk(kcatSasl("PLAIN", "bob", users.bob, ["-P", "-t", "sasl-kcat-group"]), { stdin: "four\nfive\nsix\n", timeoutMs: 60_000 });
    expect((await groupRead("PLAIN", "bob", users.bob)).stdout.toString()).toBe("four\nfive\nsix\n");
  });

  test("chronik's own produce and consume authenticate with SCRAM and PLAIN; a wrong password is one line", async () => {
    const over = (mechanism: string, user: string, password: string) => ["-b", `${loopbackHost}:${broker.listenerPorts.SASL_SSL}`, "-X", "security.protocol=sasl_ssl", "-X", `ssl.ca.location=${certificates.caCert}`, "-X", `sasl.mechanism=${mechanism}`, "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`];
    await runOk([...chronikCommand(), "produce", "-t", "sasl-chronik", ...over("SCRAM-SHA-512", "alice", users.alice)], { stdin: "scram\n", timeoutMs: 30_000 });
    await runOk([...chronikCommand(), "produce", "-t", "sasl-chronik", ...over("PLAIN", "bob", users.bob)], { stdin: "plain\n", timeoutMs: 30_000 });
    const read = await runOk([...chronikCommand(), "consume", "-t", "sasl-chronik", "-o", "beginning", "-e", "-q", ...over("SCRAM-SHA-256", "bob", users.bob)], { timeoutMs: 30_000 });
    expect(read.stdout.toString()).toBe("scram\nplain\n");
    const wrong = await run([...chronikCommand(), "topic", "list", ...over("SCRAM-SHA-512", "alice", "wrong")], { timeoutMs: 30_000 });
    expect({ exitCode: wrong.exitCode, stderr: wrong.stderr }).toEqual({
      exitCode: 1,
      stderr: `chronik topic list: SASL authentication with broker "${loopbackHost}:${broker.listenerPorts.SASL_SSL}" failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512\n`,
    });
  });

  test("a wrong password, an unknown user and a mechanism the user lacks fail authentication, and are logged", async () => {
    const mark = broker.logEnd;
    for (const [mechanism, user, password] of [["SCRAM-SHA-512", "alice", "wrong"], ["PLAIN", "alice", "wrong"], ["SCRAM-SHA-512", "mallory", "x"], ["SCRAM-SHA-256", "alice", users.alice]]) {
      const result = await run(kcatSasl(mechanism, user, password, ["-L", "-m", "3"]), { timeoutMs: 30_000 });
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`);
    }
    // Logged once a window per client address: an earlier failure from 127.0.0.1 may have been the one.
    expect(broker.log).toContain("WARN  [chronik/security] Authentication failed client=127.0.0.1");
    expect(broker.logSince(mark)).not.toContain("wrong");
  });

  test("confluent-kafka with SCRAM-SHA-512 produces, consumes in a group and commits", async () => {
    const settings = { "bootstrap.servers": `${loopbackHost}:${broker.listenerPorts.SASL_SSL}`, "security.protocol": "sasl_ssl", "ssl.ca.location": certificates.caCert, "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "alice", "sasl.password": users.alice };
    const result = await runOk([pythonPath, join(import.meta.dir, "python/confluent_kafka_secure_group.py"), JSON.stringify(settings), "sasl-confluent", "sasl-confluent-group", "200"], { timeoutMs: 90_000 });
    expect(result.stdout.toString().trim()).toBe("200 confluent 0 confluent 199");
    const described = JSON.parse((await runOk([...chronikCommand(), "group", "describe", "sasl-confluent-group", "-b", broker.bootstrap, "--format", "json"], { timeoutMs: 30_000 })).stdout.toString());
    expect(described.partitions.map((row: { committedOffset: number }) => row.committedOffset)).toEqual([200]);
  });

  test("kafka-python (SaslHandshake v0, then bare tokens) with SCRAM-SHA-512 and PLAIN produces and consumes", async () => {
    const script = `
import sys
from kafka import KafkaProducer, KafkaConsumer
for mechanism, user, password in (("SCRAM-SHA-512", "alice", sys.argv[3]), ("PLAIN", "bob", sys.argv[4])):
    args = dict(bootstrap_servers=sys.argv[1], security_protocol="SASL_SSL", ssl_cafile=sys.argv[2], sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=password)
    producer = KafkaProducer(**args)
    producer.send("sasl-kafka-python", mechanism.encode()).get(timeout=30)
    producer.close()
consumer = KafkaConsumer("sasl-kafka-python", auto_offset_reset="earliest", consumer_timeout_ms=5000, **args)
print(",".join(message.value.decode() for message in consumer))
consumer.close()
`;
    const result = await runOk([pythonPath, "-c", script, `${loopbackHost}:${broker.listenerPorts.SASL_SSL}`, certificates.caCert, users.alice, users.bob], { timeoutMs: 90_000 });
    expect(result.stdout.toString().trim()).toBe("SCRAM-SHA-512,PLAIN");
  });

  test("kafkajs with SCRAM-SHA-512 produces and consumes in a group", async () => {
    const kafka = new Kafka({
      brokers: [`${loopbackHost}:${broker.listenerPorts.SASL_SSL}`],
      clientId: "e2e-kafkajs-sasl",
      ssl: { ca: [readFileSync(certificates.caCert, "utf8")] },
      sasl: { mechanism: "scram-sha-512", username: "alice", password: users.alice },
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 200 },
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "sasl-kafkajs", messages: Array.from({ length: 100 }, (_, i) => ({ value: `kafkajs ${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: "sasl-kafkajs-group" });
    await consumer.connect();
    await consumer.subscribe({ topic: "sasl-kafkajs", fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    try {
      await eventually(async () => seen.length >= 100, "kafkajs consumes 100 records over SASL_SSL");
    } finally {
      await consumer.disconnect();
    }
    expect(seen.length).toBe(100);
    // A wrong password is refused.
    const wrong = new Kafka({ brokers: [`${loopbackHost}:${broker.listenerPorts.SASL_SSL}`], ssl: { ca: [readFileSync(certificates.caCert, "utf8")] }, sasl: { mechanism: "scram-sha-512", username: "alice", password: "nope" }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = wrong.admin();
    await expect(admin.connect()).rejects.toThrow();
  });

  test("@platformatic/kafka with PLAIN creates a topic and produces; with SCRAM-SHA-512 it consumes in a group and commits", async () => {
    const common = { clientId: "e2e-platformatic-sasl", bootstrapBrokers: [`${loopbackHost}:${broker.listenerPorts.SASL_SSL}`], retries: 2, tls: { ca: readFileSync(certificates.caCert) }, sasl: { mechanism: "PLAIN" as const, username: "bob", password: users.bob } };
    const admin = new PlatformaticAdmin(common);
    try {
      await admin.createTopics({ topics: ["sasl-platformatic"], partitions: 1, replicas: 1 });
    } finally {
      await admin.close();
    }
    const producer = new PlatformaticProducer({ ...common, serializers: stringSerializers });
    try {
      await producer.send({ messages: Array.from({ length: 50 }, (_, i) => ({ topic: "sasl-platformatic", partition: 0, value: `platformatic ${i}` })), acks: ProduceAcks.ALL });
    } finally {
      await producer.close();
    }
    // SCRAM-SHA-512 for the group: it reads everything and commits as it goes.
    const scram = { ...common, sasl: { mechanism: "SCRAM-SHA-512" as const, username: "alice", password: users.alice } };
    const consumer = new PlatformaticConsumer({ ...scram, groupId: "sasl-platformatic-group", deserializers: stringDeserializers, sessionTimeout: 6000, heartbeatInterval: 500 });
    const read: string[] = [];
    try {
      expect((await consumer.listOffsets({ topics: ["sasl-platformatic"] })).get("sasl-platformatic")).toEqual([50n]);
      const stream = await consumer.consume({ topics: ["sasl-platformatic"], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: false, maxWaitTime: 200 });
      for await (const message of stream) {
        read.push(message.value);
        await message.commit();
        if (read.length >= 50) break;
      }
      await stream.close();
    } finally {
      await consumer.close();
    }
    expect(read).toEqual(Array.from({ length: 50 }, (_, i) => `platformatic ${i}`));
    const described = JSON.parse((await runOk([...chronikCommand(), "group", "describe", "sasl-platformatic-group", "-b", broker.bootstrap, "--format", "json"], { timeoutMs: 30_000 })).stdout.toString());
    expect(described.partitions.map((row: { committedOffset: number }) => row.committedOffset)).toEqual([50]);
  });
});

/** A raw connection to the SASL_PLAINTEXT listener that sends frames and reads answers (or the close). */
class RawClient {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiting: ((frame: Buffer | null) => void) | null = null;
  #closed = false;

  constructor(port: number) {
    this.#socket = connect({ host: loopbackHost, port });
    this.#socket.on("data", (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk as Buffer]);
      this.#deliver();
    });
    this.#socket.on("close", () => {
      this.#closed = true;
      this.#deliver();
    });
    this.#socket.on("error", () => {});
  }

  #deliver(): void {
    if (this.#waiting === null) return;
    if (this.#buffer.length >= 4 && this.#buffer.length >= 4 + this.#buffer.readInt32BE(0)) {
      const size = this.#buffer.readInt32BE(0);
      const frame = this.#buffer.subarray(4, 4 + size);
      this.#buffer = this.#buffer.subarray(4 + size);
      const wake = this.#waiting;
      this.#waiting = null;
      wake(frame);
    } else if (this.#closed) {
      const wake = this.#waiting;
      this.#waiting = null;
      wake(null);
    }
  }

  /** Sends `bytes` and resolves with the next answer frame, or null when the broker closes instead. */
  exchange(bytes: Uint8Array): Promise<Buffer | null> {
    const answer = new Promise<Buffer | null>((resolve) => (this.#waiting = resolve));
    this.#socket.write(bytes);
    this.#deliver();
    return answer;
  }

  close(): void {
    this.#socket.destroy();
  }
}

let correlationId = 0;
const handshake = (mechanism: string) => encodeRequestFrame({ apiKey: SaslHandshake.apiKey, apiVersion: 1, correlationId: ++correlationId, clientId: "raw" }, (writer) => SaslHandshake.encodeRequest(writer, 1, { mechanism }));
const authenticate = (bytes: Uint8Array) => encodeRequestFrame({ apiKey: SaslAuthenticate.apiKey, apiVersion: 1, correlationId: ++correlationId, clientId: "raw" }, (writer) => SaslAuthenticate.encodeRequest(writer, 1, { authBytes: bytes }));

/** The error code of a SaslAuthenticate v1 answer (after its 4-byte correlation id). */
function authenticateError(frame: Buffer): number {
  return SaslAuthenticate.decodeResponse(new Reader(frame.subarray(4)), 1).errorCode;
}

describe("SASL under attack", () => {
  test("a request before authentication closes that connection", async () => {
    const client = new RawClient(broker.listenerPorts.SASL_PLAINTEXT);
    const metadata = encodeRequestFrame({ apiKey: Metadata.apiKey, apiVersion: 4, correlationId: 1, clientId: "raw" }, (writer) => Metadata.encodeRequest(writer, 4, { topics: null, allowAutoTopicCreation: false }));
    expect(await client.exchange(metadata)).toBeNull();
  });

  test("1 000 failed logins in a row are each refused; the broker keeps serving, and logs them in a few lines", async () => {
    const mark = broker.logEnd;
    const wrong = new TextEncoder().encode("\u0000alice\u0000guess");
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const codes: number[] = [];
        for (let attempt = 0; attempt < 20; attempt++) {
          const client = new RawClient(broker.listenerPorts.SASL_PLAINTEXT);
          await client.exchange(handshake("PLAIN"));
          const answer = await client.exchange(authenticate(wrong));
          codes.push(answer === null ? -999 : authenticateError(answer));
          client.close();
        }
        return codes;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    expect(outcomes.flat().filter((code) => code !== ErrorCode.SASL_AUTHENTICATION_FAILED)).toEqual([]);
    // 100 ms each, 50 at a time: the delay slows guessing to 10 attempts a second per connection.
    expect(seconds).toBeGreaterThan(1.9);
    const logged = broker.logSince(mark).split("\n").filter((line) => line.includes("Authentication failed")).length;
    expect(logged).toBeLessThanOrEqual(2);
    const read = await runOk(kcatSasl("SCRAM-SHA-512", "alice", users.alice, ["-C", "-t", "sasl-kcat", "-o", "beginning", "-e", "-q"]), { timeoutMs: 60_000 });
    expect(read.stdout.toString()).toBe("from alice\nfrom bob\n");
  });

  test("garbage and truncated SASL messages fail authentication, or close the connection; others are still served", async () => {
    const garbage = [new Uint8Array([0xff, 0xfe, 0x00]), new TextEncoder().encode("n,,n=alice"), new TextEncoder().encode("n,,n=al=ice,r=x"), new Uint8Array(0)];
    for (const [mechanism, bytes] of garbage.flatMap((entry) => [["SCRAM-SHA-512", entry], ["PLAIN", entry]] as const)) {
      const client = new RawClient(broker.listenerPorts.SASL_PLAINTEXT);
      await client.exchange(handshake(mechanism));
      const answer = await client.exchange(authenticate(bytes));
      expect(answer === null || authenticateError(answer) === ErrorCode.SASL_AUTHENTICATION_FAILED).toBe(true);
      client.close();
    }
    // A truncated frame: the size says more than ever comes; the connection waits, and others go on.
    const truncated = new RawClient(broker.listenerPorts.SASL_PLAINTEXT);
    const frame = handshake("PLAIN");
    void truncated.exchange(frame.subarray(0, frame.length - 3));
    const read = await runOk(kcat(broker, ["-C", "-t", "sasl-kcat", "-o", "beginning", "-e", "-q"]), { timeoutMs: 60_000 });
    expect(read.stdout.toString()).toBe("from alice\nfrom bob\n");
    truncated.close();
    expect(broker.alive).toBe(true);
  });
});

describe("session lifetime and re-authentication (KIP-368)", () => {
  test("kafkajs and @platformatic/kafka authenticate again on their connections; librdkafka, which cannot, is disconnected and reconnects", async () => {
    const shortData = await makeTempDir("sasl-reauth-data");
    await runOk([...chronikCommand(), "user", "set", "alice", "--password", users.alice, "--mechanism", "SCRAM-SHA-512", "--data", shortData], { timeoutMs: 30_000 });
    const short = await startBroker({ dataDir: shortData, listeners: ["SASL_PLAINTEXT"], args: ["--connections-max-reauth-ms", "3000", "--allow-everyone-if-no-acl"] });
    let kcatConsumer: ReturnType<typeof Bun.spawn> | undefined;
    let kcatRead = "";
    let reading: Promise<void> | undefined;
    /** SaslAuthenticate requests answered so far, by version (librdkafka sends v0, kafkajs v1, @platformatic/kafka v2). */
    const authentications = async (): Promise<Record<string, number>> => {
      const text = await (await fetch(`http://${loopbackHost}:${short.httpPort}/metrics`, { headers: { authorization: `Basic ${btoa(`alice:${users.alice}`)}` } })).text();
      return Object.fromEntries([...text.matchAll(/^chronik_requests_total\{api="SaslAuthenticate",version="(\d)"\} (\d+)/gm)].map((match) => [match[1], Number(match[2])]));
    };
    const kafka = new Kafka({
      brokers: [`${loopbackHost}:${short.listenerPorts.SASL_PLAINTEXT}`],
      clientId: "e2e-kafkajs-reauth",
      sasl: { mechanism: "plain", username: "alice", password: users.alice },
      // Authenticate again once less than 2.5 s of the 3 s session are left.
      reauthenticationThreshold: 2500,
      logLevel: logLevel.NOTHING,
    });
    const kafkajsProducer = kafka.producer();
    const platformatic = new PlatformaticProducer({
      clientId: "e2e-platformatic-reauth",
      bootstrapBrokers: [`${loopbackHost}:${short.listenerPorts.SASL_PLAINTEXT}`],
      sasl: { mechanism: "SCRAM-SHA-512", username: "alice", password: users.alice },
      serializers: stringSerializers,
    });
    try {
      await kafkajsProducer.connect();
      let sent = 0;
      const sendBoth = async () => {
        await kafkajsProducer.send({ topic: "reauth", messages: [{ value: `kafkajs ${sent}` }] });
        await platformatic.send({ messages: [{ topic: "reauth", partition: 0, value: `platformatic ${sent}` }], acks: ProduceAcks.ALL });
        sent++;
      };
      await sendBoth();
      // Started once the topic exists (kcat -C gives up on an unknown topic).
      kcatConsumer = Bun.spawn(
        ["kcat", "-b", `${loopbackHost}:${short.listenerPorts.SASL_PLAINTEXT}`, "-X", "broker.address.family=v4", "-X", "security.protocol=sasl_plaintext", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=alice", "-X", `sasl.password=${users.alice}`, "-C", "-t", "reauth", "-o", "beginning", "-q", "-u"],
        { stdout: "pipe", stderr: "pipe" },
      );
      reading = (async () => {
        for await (const chunk of kcatConsumer!.stdout as ReadableStream<Uint8Array>) kcatRead += new TextDecoder().decode(chunk);
      })();
      void new Response(kcatConsumer.stderr as ReadableStream<Uint8Array>).text();
      const before = await authentications();
      // Both keep producing across several session lifetimes, authenticating again on the way.
      await eventually(async () => {
        await sendBoth();
        const now = await authentications();
        return (now["1"] ?? 0) >= (before["1"] ?? 0) + 2 && (now["2"] ?? 0) >= (before["2"] ?? 0) + 2;
      }, "kafkajs and @platformatic/kafka authenticate again twice", { waitMs: 60_000, pollMs: 250 });
      const log = short.log;
      expect(log).not.toContain("client=e2e-kafkajs-reauth");
      expect(log).not.toContain("client=e2e-platformatic-reauth");
      // librdkafka 2.0.2 cannot re-authenticate: its expired connection is closed, and it reconnects.
      await eventually(async () => short.log.includes("Closing connection: Request after the SASL session expired"), "kcat's expired session is closed");
      await eventually(async () => kcatRead.split("\n").filter((line) => line.startsWith("kafkajs")).length >= sent, "kcat reads everything after reconnecting", { waitMs: 60_000 });
    } finally {
      await kafkajsProducer.disconnect();
      await platformatic.close();
      kcatConsumer?.kill();
      await reading;
      await short.cleanup();
      await rm(shortData, { recursive: true, force: true });
    }
  });
});
