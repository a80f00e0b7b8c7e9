// `chronik user set|delete|list`: SASL users. Against a running broker (the client flags, as
// kafka-configs.sh --alter --entity-type users): DescribeUserScramCredentials and
// AlterUserScramCredentials, the password salted here and never sent. With `--data DIR`, on the
// folder itself, as `kafka-storage format --add-scram` adds the first user: salted SCRAM
// credentials in DIR/users.json; a broker running on the folder loads the change on SIGHUP.

import { mkdirSync, readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import type { Cluster } from "../client/cluster.ts";
import { ScramAdmin } from "../client/scram-admin.ts";
import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { DataFolderLock, DataFolderLockedError } from "../storage/data-folder-lock.ts";
import { makeScramCredential, type ScramMechanism, scramIterationsMax, scramIterationsMin, scramMechanisms } from "../security/scram.ts";
import { type UserSummary, UserStore } from "../security/user-store.ts";
import { brokersHelp, collect, CommandError, configHelp, logLevels, openCluster, resolveClientSettings, runClientCommand, setHelp } from "./client-command.ts";
import { choice, parsePositiveInteger } from "./options.ts";

const dataHelp = "work on this data folder's users.json instead of a running broker (the folder is created when it does not exist yet)";

/**
 * Runs `change` on the folder's users. With the folder's lock when no broker holds it; when one
 * does, the file is still replaced atomically, and the broker is told to reload it.
 */
async function withUsers(dataDir: string, change: (users: UserStore) => Promise<string>): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  let lock: DataFolderLock | null = null;
  let runningPid: number | null = null;
  try {
    lock = DataFolderLock.acquire(dataDir);
  } catch (error) {
    if (!(error instanceof DataFolderLockedError)) throw error;
    runningPid = error.holderPid;
  }
  try {
    const message = await change(UserStore.open(dataDir));
    process.stdout.write(`${message}\n`);
    if (runningPid !== null) process.stderr.write(`A broker (pid ${runningPid}) runs on "${dataDir}": kill -HUP ${runningPid} makes it load the change\n`);
  } finally {
    lock?.release();
  }
}

function readPassword(options: { password?: string; passwordFile?: string }): string {
  if ((options.password === undefined) === (options.passwordFile === undefined)) throw new CommandError("Give the password with --password or --password-file (one of them)");
  if (options.password !== undefined) return options.password;
  try {
    return readFileSync(options.passwordFile!, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    throw new CommandError(`Cannot read --password-file "${options.passwordFile}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function parseIterations(value: string): number {
  const iterations = parsePositiveInteger(value);
  if (iterations < scramIterationsMin || iterations > scramIterationsMax) throw new InvalidArgumentError(`Iterations must be from ${scramIterationsMin} to ${scramIterationsMax}`);
  return iterations;
}

interface Target {
  data?: string;
  brokers?: string;
  set: string[];
  config?: string;
  logLevel: (typeof logLevels)[number];
}

/** --data, or the flags of a connection to a running broker (as the other client commands spell them). */
function withTarget<Args extends unknown[], Opts extends Record<string, unknown>>(command: Command<Args, Opts>) {
  return command
    .option("--data <dir>", dataHelp)
    .option("-b, --brokers <list>", brokersHelp)
    .option("-X, --set <key=value>", setHelp, collect, [] as string[])
    .option("--config <file>", configHelp)
    .option("--log-level <level>", "debug, info, warn or error", choice(logLevels), "warn" as (typeof logLevels)[number]);
}

/** The data folder to work on, or null to ask a running broker; both at once is a mistake. */
function dataFolder(target: Target): string | null {
  if (target.data === undefined) return null;
  if (target.brokers !== undefined || target.set.length > 0 || target.config !== undefined) throw new CommandError("--data works on the folder itself: leave out --brokers, -X and --config (or --data, to ask a running broker)");
  return target.data;
}

/** Runs `body` with a cluster from the connection flags, closed afterwards. */
async function withCluster<T>(target: Target, body: (admin: ScramAdmin, brokers: string) => Promise<T>): Promise<T> {
  const settings = resolveClientSettings(target);
  const cluster: Cluster = openCluster(settings);
  try {
    return await body(new ScramAdmin(cluster), settings.brokers);
  } finally {
    cluster.close();
  }
}

/** The user's mechanisms on the broker; none when it has no credential. */
async function mechanismsOnBroker(admin: ScramAdmin, user: string): Promise<ScramMechanism[]> {
  const [described] = await admin.describe([user]);
  if (described?.error?.code === ErrorCode.RESOURCE_NOT_FOUND) return [];
  if (described === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `the broker did not describe user "${user}"`);
  if (described.error !== null) throw described.error;
  return described.credentials.flatMap(({ mechanism }) => (mechanism === undefined ? [] : [mechanism]));
}

/** Throws the first user's error of an AlterUserScramCredentials answer. */
function throwIfFailed(results: Array<{ error: KafkaProtocolError | null }>): void {
  const failed = results.find((result) => result.error !== null);
  if (failed !== undefined) throw failed.error;
}

async function setUser(user: string, options: Target & { mechanism: ScramMechanism; iterations: number; password?: string; passwordFile?: string }): Promise<void> {
  const password = readPassword(options);
  const { mechanism, iterations } = options;
  const done = (existed: boolean) => `${existed ? "Changed" : "Created"} user "${user}" (${mechanism}, ${iterations} iterations)`;
  const data = dataFolder(options);
  if (data !== null) {
    await withUsers(data, async (users) => {
      const existed = users.credential(user, mechanism) !== undefined;
      await users.set(user, mechanism, makeScramCredential(mechanism, password, iterations));
      return done(existed);
    });
    return;
  }
  const message = await withCluster(options, async (admin) => {
    const existed = (await mechanismsOnBroker(admin, user)).includes(mechanism);
    throwIfFailed(await admin.alter({ upsertions: [{ user, mechanism, password, iterations }] }));
    return done(existed);
  });
  process.stdout.write(`${message}\n`);
}

async function deleteUser(user: string, options: Target & { mechanism?: ScramMechanism }): Promise<void> {
  const { mechanism } = options;
  const done = `Deleted ${mechanism ?? "every credential"} of user "${user}"`;
  const data = dataFolder(options);
  if (data !== null) {
    await withUsers(data, async (users) => {
      if (!(await users.delete(user, mechanism))) throw new CommandError(`User "${user}" has no ${mechanism ?? "credential"} in "${data}"`);
      return done;
    });
    return;
  }
  await withCluster(options, async (admin, brokers) => {
    const stored = await mechanismsOnBroker(admin, user);
    const doomed = mechanism === undefined ? stored : stored.filter((entry) => entry === mechanism);
    if (doomed.length === 0) throw new CommandError(`User "${user}" has no ${mechanism ?? "credential"} on "${brokers}"`);
    // One request per mechanism: Kafka refuses a user named twice in one request.
    for (const entry of doomed) throwIfFailed(await admin.alter({ deletions: [{ user, mechanism: entry }] }));
  });
  process.stdout.write(`${done}\n`);
}

async function listUsers(options: Target): Promise<void> {
  const data = dataFolder(options);
  let rows: UserSummary[];
  if (data !== null) {
    rows = UserStore.open(data).list();
  } else {
    const described = await withCluster(options, (admin) => admin.describe());
    rows = described
      .map(({ user, credentials }) => ({ user, mechanisms: credentials.flatMap(({ mechanism, iterations }) => (mechanism === undefined ? [] : [{ mechanism, iterations }])) }))
      .sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  }
  process.stdout.write(rows.map((row) => `${row.user}\t${row.mechanisms.map((entry) => `${entry.mechanism} (${entry.iterations} iterations)`).join(", ")}\n`).join(""));
}

export function userCommand() {
  const set = withTarget(
    new Command("set")
      .description("Create a user, or change its password, for one SCRAM mechanism (PLAIN logins check the password against it too)")
      .argument("<user>", "user name")
      .option("--password <password>", "the password (visible to other users of this machine in the process list: prefer --password-file)")
      .option("--password-file <file>", "a file holding the password (one line)")
      .addOption(new Option("--mechanism <mechanism>", "SCRAM mechanism").argParser(choice(scramMechanisms)).default("SCRAM-SHA-512" as ScramMechanism))
      .addOption(new Option("--iterations <n>", `PBKDF2 iterations, ${scramIterationsMin} to ${scramIterationsMax}`).argParser(parseIterations).default(scramIterationsMin)),
  ).action(async (user, options) => {
    await runClientCommand("user set", () => setUser(user, options));
  });
  const remove = withTarget(
    new Command("delete")
      .description("Delete a user's credential for one mechanism, or all of them")
      .argument("<user>", "user name")
      .addOption(new Option("--mechanism <mechanism>", "only this SCRAM mechanism").argParser(choice(scramMechanisms))),
  ).action(async (user, options) => {
    await runClientCommand("user delete", () => deleteUser(user, options));
  });
  const list = withTarget(new Command("list").description("List the users and their mechanisms")).action(async (options) => {
    await runClientCommand("user list", () => listUsers(options));
  });
  return new Command("user")
    .description("SASL users (SCRAM-SHA-256/512 credentials; PLAIN checks against them): set, delete, list, on a running broker or with --data in a data folder")
    .addCommand(set)
    .addCommand(remove)
    .addCommand(list)
    .addHelpText(
      "after",
      "\nOn a running broker, authenticated as a user allowed ALTER (set, delete) or DESCRIBE (list) on the cluster:\n" +
        "  chronik user set alice --password-file alice.pw -b broker:9093 -X security.protocol=sasl_ssl \\\n" +
        "    -X sasl.mechanism=SCRAM-SHA-512 -X sasl.username=admin -X sasl.password=… -X ssl.ca.location=ca.pem\n" +
        "In a data folder (before the broker's first start, or with kill -HUP after):\n" +
        "  chronik user set admin --password-file admin.pw --data /var/lib/chronik\n" +
        "  chronik user list --data /var/lib/chronik\n",
    );
}
