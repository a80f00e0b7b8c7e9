// SSL listeners against real clients: kcat, confluent-kafka, kafkajs and @platformatic/kafka
// produce and consume over TLS beside a PLAINTEXT listener, each told its own listener's address;
// client certificates (mutual TLS); a certificate replaced on SIGHUP; TLS spoken to the plaintext
// port and plaintext to the TLS port leave the broker serving everyone else; and bad listener or
// TLS settings stop `serve` with one line.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { connect as connectTls } from "node:tls";
import { connect } from "node:net";
import { Admin as PlatformaticAdmin, Producer as PlatformaticProducer, ProduceAcks, stringSerializers, Consumer as PlatformaticConsumer, stringDeserializers } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { makeCertificates, type TestCertificates } from "./certificates.ts";
import { type Broker, chronikCommand, eventually, kcat, loopbackHost, pythonPath, run, runOk, startBroker } from "./harness.ts";

setDefaultTimeout(120_000);

let certificates: TestCertificates;
let broker: Broker;

/** kcat over the SSL listener, trusting the test CA. */
function kcatSsl(args: string[], extra: string[] = []): string[] {
  return ["kcat", "-b", `${loopbackHost}:${broker.sslPort}`, "-X", "security.protocol=ssl", "-X", `ssl.ca.location=${certificates.caCert}`, "-X", "broker.address.family=v4", "-m", "10", ...extra, ...args];
}

beforeAll(async () => {
  certificates = await makeCertificates();
  broker = await startBroker({ ssl: true, args: ["--tls-cert", certificates.serverCert, "--tls-key", certificates.serverKey] });
});

afterAll(async () => {
  await broker?.cleanup();
  if (certificates) await rm(certificates.dir, { recursive: true, force: true });
});

describe("SSL listener", () => {
  test("kcat produces and consumes over TLS; each listener advertises its own address", async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `tls line ${i}`);
    await runOk(kcatSsl(["-P", "-t", "over-tls"]), { stdin: lines.join("\n") + "\n", timeoutMs: 60_000 });
    const consumed = await runOk(kcatSsl(["-C", "-t", "over-tls", "-o", "beginning", "-e", "-q"]), { timeoutMs: 60_000 });
    expect(consumed.stdout.toString()).toBe(lines.join("\n") + "\n");
    // The same records through the PLAINTEXT listener.
    const plain = await runOk(kcat(broker, ["-C", "-t", "over-tls", "-o", "beginning", "-e", "-q"]), { timeoutMs: 60_000 });
    expect(plain.stdout.toString()).toBe(lines.join("\n") + "\n");
    const sslMetadata = (await runOk(kcatSsl(["-L", "-t", "over-tls"]), { timeoutMs: 30_000 })).stdout.toString();
    expect(sslMetadata).toContain(`broker 0 at ${loopbackHost}:${broker.sslPort}`);
    const plainMetadata = (await runOk(kcat(broker, ["-L", "-t", "over-tls"]), { timeoutMs: 30_000 })).stdout.toString();
    expect(plainMetadata).toContain(`broker 0 at ${loopbackHost}:${broker.port}`);
  });

  test("confluent-kafka produces and consumes in a group over TLS", async () => {
    const settings = { "bootstrap.servers": `${loopbackHost}:${broker.sslPort}`, "security.protocol": "ssl", "ssl.ca.location": certificates.caCert };
    const result = await runOk([pythonPath, join(import.meta.dir, "python/confluent_kafka_secure_group.py"), JSON.stringify(settings), "confluent-tls", "confluent-tls-group", "300"], { timeoutMs: 90_000 });
    expect(result.stdout.toString().trim()).toBe("300 confluent 0 confluent 299");
    const described = JSON.parse((await runOk([...chronikCommand(), "group", "describe", "confluent-tls-group", "-b", broker.bootstrap, "--format", "json"], { timeoutMs: 30_000 })).stdout.toString());
    expect(described.partitions.map((row: { committedOffset: number }) => row.committedOffset)).toEqual([300]);
  });

  test("kafkajs produces and consumes in a group over TLS", async () => {
    const kafka = new Kafka({ brokers: [`${loopbackHost}:${broker.sslPort}`], clientId: "e2e-kafkajs-tls", ssl: { ca: [readFileSync(certificates.caCert, "utf8")] }, logLevel: logLevel.ERROR, retry: { retries: 2, initialRetryTime: 200 } });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "kafkajs-tls", messages: Array.from({ length: 200 }, (_, i) => ({ value: `kafkajs ${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: "kafkajs-tls-group" });
    await consumer.connect();
    await consumer.subscribe({ topic: "kafkajs-tls", fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    try {
      await eventually(async () => seen.length >= 200, "kafkajs consumes 200 records over TLS");
    } finally {
      await consumer.disconnect();
    }
    expect(seen.slice(0, 2)).toEqual(["kafkajs 0", "kafkajs 1"]);
    expect(seen.length).toBe(200);
  });

  test("@platformatic/kafka creates a topic, produces and lists offsets over TLS", async () => {
    const tls = { ca: readFileSync(certificates.caCert) };
    const admin = new PlatformaticAdmin({ clientId: "e2e-platformatic-tls", bootstrapBrokers: [`${loopbackHost}:${broker.sslPort}`], retries: 2, tls });
    try {
      await admin.createTopics({ topics: ["platformatic-tls"], partitions: 1, replicas: 1 });
    } finally {
      await admin.close();
    }
    const producer = new PlatformaticProducer({ clientId: "e2e-platformatic-tls", bootstrapBrokers: [`${loopbackHost}:${broker.sslPort}`], serializers: stringSerializers, retries: 2, tls });
    try {
      for (let batch = 0; batch < 5; batch++) {
        await producer.send({ messages: Array.from({ length: 20 }, (_, i) => ({ topic: "platformatic-tls", partition: 0, value: `platformatic ${batch * 20 + i}` })), acks: ProduceAcks.ALL });
      }
    } finally {
      await producer.close();
    }
    const consumer = new PlatformaticConsumer({ clientId: "e2e-platformatic-tls", groupId: "platformatic-tls-unused", bootstrapBrokers: [`${loopbackHost}:${broker.sslPort}`], deserializers: stringDeserializers, retries: 2, tls });
    try {
      expect((await consumer.listOffsets({ topics: ["platformatic-tls"] })).get("platformatic-tls")).toEqual([100n]);
    } finally {
      await consumer.close();
    }
    const read = await runOk(kcatSsl(["-C", "-t", "platformatic-tls", "-o", "-1", "-e", "-q"]), { timeoutMs: 30_000 });
    expect(read.stdout.toString()).toBe("platformatic 99\n");
  });

  test("chronik's own produce and consume speak TLS with librdkafka's settings; an untrusted broker is one line", async () => {
    const tls = ["-X", "security.protocol=ssl", "-X", `ssl.ca.location=${certificates.caCert}`];
    const bootstrap = ["-b", `${loopbackHost}:${broker.sslPort}`];
    await runOk([...chronikCommand(), "produce", ...bootstrap, "-t", "chronik-tls", ...tls], { stdin: "one\ntwo\n", timeoutMs: 30_000 });
    const consumed = await runOk([...chronikCommand(), "consume", ...bootstrap, "-t", "chronik-tls", ...tls, "-o", "beginning", "-e", "-q"], { timeoutMs: 30_000 });
    expect(consumed.stdout.toString()).toBe("one\ntwo\n");
    const untrusted = await run([...chronikCommand(), "topic", "list", ...bootstrap, "-X", "security.protocol=ssl"], { timeoutMs: 30_000 });
    expect({ exitCode: untrusted.exitCode, stderr: untrusted.stderr }).toEqual({ exitCode: 1, stderr: `chronik topic list: Cannot connect to broker "${loopbackHost}:${broker.sslPort}": TLS: unable to verify the first certificate\n` });
  });

  test("TLS to the plaintext port and plaintext to the TLS port fail alone: the broker serves everyone else", async () => {
    const tlsToPlain = await new Promise<string>((resolve) => {
      const socket = connectTls({ host: loopbackHost, port: broker.port, ca: readFileSync(certificates.caCert), servername: "localhost" });
      socket.once("secureConnect", () => resolve("connected"));
      socket.once("error", (error) => resolve(`error: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
      socket.once("close", () => resolve("closed"));
    });
    expect(tlsToPlain).not.toBe("connected");
    const plainToTls = await new Promise<string>((resolve) => {
      const socket = connect({ host: loopbackHost, port: broker.sslPort });
      // An ApiVersions request in the clear: the TLS server cannot read it as a handshake.
      socket.once("connect", () => socket.write(Buffer.from("0000001300120003000000010007636c69656e7400000000000000", "hex")));
      socket.on("data", () => {});
      socket.once("close", () => resolve("closed"));
      socket.once("error", () => resolve("closed"));
    });
    expect(plainToTls).toBe("closed");
    await eventually(async () => broker.log.includes("TLS handshake failed"), "the failed handshake is logged");
    const still = await runOk(kcatSsl(["-C", "-t", "over-tls", "-o", "-1", "-e", "-q"]), { timeoutMs: 30_000 });
    expect(still.stdout.toString()).toBe("tls line 499\n");
    expect(broker.alive).toBe(true);
  });

  test("SIGHUP reloads the certificate: new connections get the new one, and clients go on working", async () => {
    const subjectNow = async () => (await run(["sh", "-c", `openssl s_client -connect ${loopbackHost}:${broker.sslPort} -CAfile ${certificates.caCert} < /dev/null 2>/dev/null | openssl x509 -noout -subject`], { timeoutMs: 30_000 })).stdout.toString();
    expect(await subjectNow()).toContain("CN = chronik-test-broker");
    await certificates.reissueServer("chronik-reloaded-broker");
    const mark = broker.logEnd;
    process.kill(broker.pid!, "SIGHUP");
    await eventually(async () => broker.logSince(mark).includes("TLS certificate reloaded"), "the reload is logged");
    expect(await subjectNow()).toContain("CN = chronik-reloaded-broker");
    const read = await runOk(kcatSsl(["-C", "-t", "over-tls", "-o", "-1", "-e", "-q"]), { timeoutMs: 30_000 });
    expect(read.stdout.toString()).toBe("tls line 499\n");
  });
});

describe("SSL listener with client certificates (--tls-ca)", () => {
  test("a client with a certificate the CA signed is served; one without, or with a stranger's, is refused", async () => {
    // Client certificates turn the authorizer on; acl.test.ts checks the ACLs, this test the handshake.
    const mutual = await startBroker({ ssl: true, args: ["--tls-cert", certificates.serverCert, "--tls-key", certificates.serverKey, "--tls-ca", certificates.caCert, "--allow-everyone-if-no-acl"] });
    try {
      const alice = await certificates.client("alice");
      const mallory = await certificates.stranger("mallory");
      const base = ["kcat", "-b", `${loopbackHost}:${mutual.sslPort}`, "-X", "security.protocol=ssl", "-X", `ssl.ca.location=${certificates.caCert}`, "-X", "broker.address.family=v4", "-m", "5"];
      const withCert = (pair: { cert: string; key: string }) => ["-X", `ssl.certificate.location=${pair.cert}`, "-X", `ssl.key.location=${pair.key}`];
      await runOk([...base, ...withCert(alice), "-P", "-t", "mutual"], { stdin: "from alice\n", timeoutMs: 30_000 });
      const read = await runOk([...base, ...withCert(alice), "-C", "-t", "mutual", "-e", "-q"], { timeoutMs: 30_000 });
      expect(read.stdout.toString()).toBe("from alice\n");
      const chronikTls = ["-b", `${loopbackHost}:${mutual.sslPort}`, "-X", "security.protocol=ssl", "-X", `ssl.ca.location=${certificates.caCert}`];
      const viaChronik = await runOk([...chronikCommand(), "consume", ...chronikTls, "-X", `ssl.certificate.location=${alice.cert}`, "-X", `ssl.key.location=${alice.key}`, "-t", "mutual", "-o", "beginning", "-e", "-q"], { timeoutMs: 30_000 });
      expect(viaChronik.stdout.toString()).toBe("from alice\n");
      for (const refused of [[], withCert(mallory)]) {
        const result = await run([...base, ...refused, "-L"], { timeoutMs: 30_000 });
        expect(result.exitCode).not.toBe(0);
      }
      expect(mutual.alive).toBe(true);
    } finally {
      await mutual.cleanup();
    }
  });
});

describe("HTTPS (--http-tls)", () => {
  test("the console, metrics and the admin API are served over TLS with the Kafka listeners' certificate", async () => {
    const secure = await startBroker({ httpsCa: certificates.caCert, args: ["--http-tls", "--tls-cert", certificates.serverCert, "--tls-key", certificates.serverKey] });
    try {
      const base = `https://${loopbackHost}:${secure.httpPort}`;
      const tls = { tls: { ca: readFileSync(certificates.caCert, "utf8") } };
      expect(await (await fetch(`${base}/`, tls)).text()).toContain("/console/app.js");
      expect((await fetch(`${base}/metrics`, tls)).status).toBe(200);
      expect((await fetch(`${base}/api/overview`, tls)).status).toBe(200);
      // Plain HTTP to the HTTPS port gets no answer.
      await expect(fetch(`http://${loopbackHost}:${secure.httpPort}/health`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
    } finally {
      await secure.cleanup();
    }
  });
});

describe("listener and TLS settings", () => {
  const serve = (args: string[]) => run([...chronikCommand(), "serve", "--data", certificates.dir + "/unused-data", "--http-port", "0", ...args], { timeoutMs: 30_000 });

  test("each bad setting stops serve with one line naming it", async () => {
    const cases: Array<[string[], string]> = [
      [["--listeners", "PLAINTEXT:/127.0.0.1:9092"], 'error: --listeners: "PLAINTEXT:/127.0.0.1:9092" is not NAME://host:port (e.g. SSL://0.0.0.0:9093, PLAINTEXT://[::1]:9092)\n'],
      [["--listeners", "HTTP://127.0.0.1:9092"], 'error: --listeners: listener "HTTP" is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (a listener is named by its security protocol)\n'],
      [["--listeners", "SASL_SSL://127.0.0.1:0"], "error: --listeners: the SASL_SSL listener needs --tls-cert and --tls-key\n"],
      [["--listeners", "SSL://127.0.0.1:0"], "error: --listeners: the SSL listener needs --tls-cert and --tls-key\n"],
      [["--listeners", "PLAINTEXT://127.0.0.1:0", "--port", "9092"], "error: --port and --listeners both say where to listen: give --listeners alone\n"],
      [["--listeners", "PLAINTEXT://127.0.0.1:0", "--advertised-listeners", "SSL://example.net:9093"], "error: --advertised-listeners names SSL, which --listeners does not have\n"],
      [["--tls-cert", certificates.serverCert], "error: --tls-cert and --tls-key go together: give both\n"],
      [["--http-tls"], "error: --http-tls needs --tls-cert and --tls-key\n"],
      [["--listeners", "SSL://127.0.0.1:0", "--tls-cert", "/nonexistent.pem", "--tls-key", certificates.serverKey], 'error: Cannot read --tls-cert "/nonexistent.pem": ENOENT\n'],
    ];
    for (const [args, expected] of cases) {
      const result = await serve(args);
      expect({ args, exitCode: result.exitCode, stderr: result.stderr.replace(/^.*(?:INFO|WARN) .*\n/gm, "") }).toEqual({ args, exitCode: 1, stderr: expected });
    }
  });
});
