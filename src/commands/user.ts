// `chronik user set|delete|list --data DIR`: the SASL users of a data folder, as
// `kafka-storage format --add-scram` adds the first one: salted SCRAM credentials in
// DIR/users.json, never the password. A broker running on the folder loads the change on SIGHUP.

import { mkdirSync, readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { DataFolderLock, DataFolderLockedError } from "../storage/data-folder-lock.ts";
import { makeScramCredential, type ScramMechanism, scramIterationsMax, scramIterationsMin, scramMechanisms } from "../security/scram.ts";
import { UserStore } from "../security/user-store.ts";
import { CommandError, runClientCommand } from "./client-command.ts";
import { choice, parsePositiveInteger } from "./options.ts";

const dataHelp = "the broker's data folder (created when it does not exist yet)";

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

export function userCommand() {
  const data = () => new Option("--data <dir>", dataHelp).makeOptionMandatory();
  const set = new Command("set")
    .description("Create a user, or change its password, for one SCRAM mechanism (PLAIN logins check the password against it too)")
    .argument("<user>", "user name")
    .option("--password <password>", "the password (visible to other users of this machine in the process list: prefer --password-file)")
    .option("--password-file <file>", "a file holding the password (one line)")
    .addOption(new Option("--mechanism <mechanism>", "SCRAM mechanism").argParser(choice(scramMechanisms)).default("SCRAM-SHA-512" as ScramMechanism))
    .addOption(new Option("--iterations <n>", `PBKDF2 iterations, ${scramIterationsMin} to ${scramIterationsMax}`).argParser(parseIterations).default(scramIterationsMin))
    .addOption(data())
    .action(async (user, options) => {
      await runClientCommand("user set", async () => {
        const password = readPassword(options);
        await withUsers(options.data, async (users) => {
          const existed = users.credential(user, options.mechanism) !== undefined;
          await users.set(user, options.mechanism, makeScramCredential(options.mechanism, password, options.iterations));
          return `${existed ? "Changed" : "Created"} user "${user}" (${options.mechanism}, ${options.iterations} iterations)`;
        });
      });
    });
  const remove = new Command("delete")
    .description("Delete a user's credential for one mechanism, or all of them")
    .argument("<user>", "user name")
    .addOption(new Option("--mechanism <mechanism>", "only this SCRAM mechanism").argParser(choice(scramMechanisms)))
    .addOption(data())
    .action(async (user, options) => {
      await runClientCommand("user delete", async () => {
        await withUsers(options.data, async (users) => {
          if (!(await users.delete(user, options.mechanism))) throw new CommandError(`User "${user}" has no ${options.mechanism ?? "credential"} in "${options.data}"`);
          return `Deleted ${options.mechanism ?? "every credential"} of user "${user}"`;
        });
      });
    });
  const list = new Command("list")
    .description("List the users and their mechanisms")
    .addOption(data())
    .action(async (options) => {
      await runClientCommand("user list", async () => {
        const rows = UserStore.open(options.data).list();
        process.stdout.write(rows.map((row) => `${row.user}\t${row.mechanisms.map((entry) => `${entry.mechanism} (${entry.iterations} iterations)`).join(", ")}\n`).join(""));
      });
    });
  return new Command("user")
    .description("SASL users of a data folder: set, delete, list (SCRAM-SHA-256/512 credentials; PLAIN checks against them)")
    .addCommand(set)
    .addCommand(remove)
    .addCommand(list)
    .addHelpText("after", "\nExamples:\n  chronik user set admin --password-file admin.pw --data /var/lib/chronik\n  chronik user list --data /var/lib/chronik\n");
}
