// `chronik user` against a running broker: set, list and delete over DescribeUserScramCredentials
// and AlterUserScramCredentials, authenticated as a super user; kcat (librdkafka) then logs in as
// the new user, and no longer after the delete. @platformatic/kafka's own encoders for both APIs
// agree with the broker. Users without the right, or on the PLAINTEXT listener, are refused.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { alterUserScramCredentialsV0, Connection, describeUserScramCredentialsV0 } from "@platformatic/kafka";
import { scramSaltedPassword } from "../../src/security/scram.ts";
import { type Broker, chronikCommand, loopbackHost, makeTempDir, run, runOk, startBroker } from "./harness.ts";

setDefaultTimeout(120_000);

const adminPassword = "admin-secret";
let broker: Broker;
let dataDir: string;

function sasl(user: string, password: string, mechanism = "SCRAM-SHA-512"): string[] {
  return ["-X", "security.protocol=sasl_plaintext", "-X", `sasl.mechanism=${mechanism}`, "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`];
}

/** `chronik user …` against the SASL_PLAINTEXT listener, as `user` (the super user unless told). */
function chronikUser(args: string[], as: [string, string] = ["admin", adminPassword]) {
  return run([...chronikCommand(), "user", ...args, "-b", `${loopbackHost}:${broker.listenerPorts.SASL_PLAINTEXT}`, ...sasl(...as)], { timeoutMs: 30_000 });
}

async function chronikUserOk(args: string[]): Promise<string> {
  const result = await chronikUser(args);
  expect({ args, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ args, exitCode: 0, stderr: "" });
  return result.stdout.toString();
}

/** Whether kcat (librdkafka) can log in as `user` and read the cluster's metadata. */
async function kcatLogsIn(user: string, password: string, mechanism = "SCRAM-SHA-512"): Promise<boolean> {
  const args = ["kcat", "-b", `${loopbackHost}:${broker.listenerPorts.SASL_PLAINTEXT}`, "-X", "broker.address.family=v4", "-m", "3", "-X", "security.protocol=sasl_plaintext", "-X", `sasl.mechanisms=${mechanism}`, "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`, "-L"];
  const result = await run(args, { timeoutMs: 30_000 });
  return result.exitCode === 0;
}

beforeAll(async () => {
  dataDir = await makeTempDir("cli-user-data");
  await runOk([...chronikCommand(), "user", "set", "admin", "--password", adminPassword, "--data", dataDir], { timeoutMs: 30_000 });
  broker = await startBroker({ dataDir, listeners: ["SASL_PLAINTEXT"], args: ["--super-users", "User:admin"] });
});

afterAll(async () => {
  await broker?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("chronik user online", () => {
  test("set creates a user kcat logs in as; set again changes it; list shows it; delete removes it and the login fails", async () => {
    expect(await kcatLogsIn("bob", "builder")).toBe(false);
    expect(await chronikUserOk(["set", "bob", "--password", "builder", "--mechanism", "SCRAM-SHA-512"])).toBe('Created user "bob" (SCRAM-SHA-512, 4096 iterations)\n');
    expect(await kcatLogsIn("bob", "builder")).toBe(true);
    expect(await kcatLogsIn("bob", "builder", "PLAIN")).toBe(true);
    expect(await kcatLogsIn("bob", "wrong")).toBe(false);

    expect(await chronikUserOk(["set", "bob", "--password", "rebuilt", "--iterations", "8192"])).toBe('Changed user "bob" (SCRAM-SHA-512, 8192 iterations)\n');
    expect(await kcatLogsIn("bob", "builder")).toBe(false);
    expect(await kcatLogsIn("bob", "rebuilt")).toBe(true);
    await chronikUserOk(["set", "bob", "--password", "rebuilt-256", "--mechanism", "SCRAM-SHA-256"]);

    const listing = "admin\tSCRAM-SHA-512 (4096 iterations)\nbob\tSCRAM-SHA-256 (4096 iterations), SCRAM-SHA-512 (8192 iterations)\n";
    expect(await chronikUserOk(["list"])).toBe(listing);
    // The broker wrote the change to its users.json: the offline listing agrees, and no password is in it.
    expect((await runOk([...chronikCommand(), "user", "list", "--data", dataDir], { timeoutMs: 30_000 })).stdout.toString()).toBe(listing);
    expect(readFileSync(`${dataDir}/users.json`, "utf8")).not.toContain("rebuilt");

    expect(await chronikUserOk(["delete", "bob", "--mechanism", "SCRAM-SHA-256"])).toBe('Deleted SCRAM-SHA-256 of user "bob"\n');
    expect(await kcatLogsIn("bob", "rebuilt-256", "SCRAM-SHA-256")).toBe(false);
    expect(await kcatLogsIn("bob", "rebuilt")).toBe(true);
    await chronikUserOk(["set", "bob", "--password", "again-256", "--mechanism", "SCRAM-SHA-256"]);
    expect(await chronikUserOk(["delete", "bob"])).toBe('Deleted every credential of user "bob"\n');
    expect(await kcatLogsIn("bob", "rebuilt")).toBe(false);
    expect(await kcatLogsIn("bob", "again-256", "SCRAM-SHA-256")).toBe(false);
    expect(await chronikUserOk(["list"])).toBe("admin\tSCRAM-SHA-512 (4096 iterations)\n");
  });

  test("each mistake and each refusal is one line and exit code 1", async () => {
    await chronikUserOk(["set", "carol", "--password", "singer"]);
    const port = broker.listenerPorts.SASL_PLAINTEXT;
    const cases: Array<[ReturnType<typeof chronikUser>, string]> = [
      [chronikUser(["list"], ["carol", "singer"]), "chronik user list: Kafka error CLUSTER_AUTHORIZATION_FAILED (31): Describing SCRAM credentials needs DESCRIBE on the cluster\n"],
      [chronikUser(["set", "dave", "--password", "x"], ["carol", "singer"]), "chronik user set: Kafka error CLUSTER_AUTHORIZATION_FAILED (31): Describing SCRAM credentials needs DESCRIBE on the cluster\n"],
      [chronikUser(["delete", "nobody"]), `chronik user delete: User "nobody" has no credential on "${loopbackHost}:${port}"\n`],
      [chronikUser(["delete", "carol", "--mechanism", "SCRAM-SHA-256"]), `chronik user delete: User "carol" has no SCRAM-SHA-256 on "${loopbackHost}:${port}"\n`],
      [chronikUser(["set", "bad\u0001name", "--password", "x"]), 'chronik user set: Kafka error UNACCEPTABLE_CREDENTIAL (93): user "bad\u0001name": A user name cannot hold control characters\n'],
      [chronikUser(["list", "--data", dataDir]), "chronik user list: --data works on the folder itself: leave out --brokers, -X and --config (or --data, to ask a running broker)\n"],
      // The PLAINTEXT listener's clients are User:ANONYMOUS, allowed nothing.
      [run([...chronikCommand(), "user", "list", "-b", broker.bootstrap], { timeoutMs: 30_000 }), "chronik user list: Kafka error CLUSTER_AUTHORIZATION_FAILED (31): Describing SCRAM credentials needs DESCRIBE on the cluster\n"],
    ];
    for (const [pending, expected] of cases) {
      const result = await pending;
      expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 1, stderr: expected });
    }
    expect(await chronikUserOk(["list"])).toBe("admin\tSCRAM-SHA-512 (4096 iterations)\ncarol\tSCRAM-SHA-512 (4096 iterations)\n");
    await chronikUserOk(["delete", "carol"]);
  });

  test("@platformatic/kafka's encoders for both APIs agree with the broker", async () => {
    const connection = new Connection("e2e-plt-scram", { sasl: { mechanism: "SCRAM-SHA-512", username: "admin", password: adminPassword } });
    await connection.connect(loopbackHost, broker.listenerPorts.SASL_PLAINTEXT);
    try {
      const salt = Buffer.alloc(32, 3);
      const saltedPassword = scramSaltedPassword("SCRAM-SHA-256", "explorer", { salt, iterations: 4096 });
      const created = await alterUserScramCredentialsV0.api.async(connection, [], [{ name: "dora", mechanism: 1, iterations: 4096, salt, saltedPassword }]);
      expect(created.results).toEqual([{ user: "dora", errorCode: 0, errorMessage: null }]);
      expect(await kcatLogsIn("dora", "explorer", "SCRAM-SHA-256")).toBe(true);
      const described = await describeUserScramCredentialsV0.api.async(connection, [{ name: "dora" }]);
      expect(described.results).toEqual([{ user: "dora", errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }] }]);
      // platformatic turns a result's error code into a rejection naming it.
      const notFound = { errors: [{ apiId: "RESOURCE_NOT_FOUND", apiCode: 91 }] };
      await expect(describeUserScramCredentialsV0.api.async(connection, [{ name: "ghost" }])).rejects.toMatchObject(notFound);
      const deleted = await alterUserScramCredentialsV0.api.async(connection, [{ name: "dora", mechanism: 1 }], []);
      expect(deleted.results).toEqual([{ user: "dora", errorCode: 0, errorMessage: null }]);
      await expect(alterUserScramCredentialsV0.api.async(connection, [{ name: "dora", mechanism: 1 }], [])).rejects.toMatchObject(notFound);
      expect(await kcatLogsIn("dora", "explorer", "SCRAM-SHA-256")).toBe(false);
    } finally {
      await connection.close();
    }
  });
});
