// The users SASL authenticates: per user and SCRAM mechanism, a salted credential (never the
// password), kept in `<data>/users.json` (mode 0600, replaced atomically). PLAIN checks its
// password against the same credentials.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../storage/checkpoint.ts";
import { type ScramCredential, type ScramMechanism, scramMechanisms } from "./scram.ts";

export const usersFileName = "users.json";

/** Longest user name accepted (Kafka has no limit; names go into logs and the file). */
export const userNameLengthMax = 256;

/** A users file that cannot be read or a user name that cannot be stored, named in one line. */
export class UserStoreError extends Error {
  override name = "UserStoreError";
}

interface StoredCredential {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

interface UsersFile {
  version: 1;
  users: Record<string, Partial<Record<ScramMechanism, StoredCredential>>>;
}

export interface UserSummary {
  user: string;
  mechanisms: Array<{ mechanism: ScramMechanism; iterations: number }>;
}

function readUsers(file: string): UsersFile["users"] {
  if (!existsSync(file)) return {};
  let parsed: UsersFile;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as UsersFile;
  } catch (error) {
    throw new UserStoreError(`Cannot read users file "${file}": ${(error as Error).message}`);
  }
  if (parsed?.version !== 1 || typeof parsed.users !== "object" || parsed.users === null) throw new UserStoreError(`Users file "${file}" is not a version 1 users file`);
  return parsed.users;
}

function toStored(credential: ScramCredential): StoredCredential {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  return { salt: base64(credential.salt), iterations: credential.iterations, storedKey: base64(credential.storedKey), serverKey: base64(credential.serverKey) };
}

function fromStored(stored: StoredCredential): ScramCredential {
  const bytes = (text: string) => new Uint8Array(Buffer.from(text, "base64"));
  return { salt: bytes(stored.salt), iterations: stored.iterations, storedKey: bytes(stored.storedKey), serverKey: bytes(stored.serverKey) };
}

/** Why `user` cannot be a user name, or null. */
export function userNameProblem(user: string): string | null {
  if (user === "") return "A user name cannot be empty";
  if (user.length > userNameLengthMax) return `A user name has at most ${userNameLengthMax} characters`;
  // Control characters would forge log lines and break SCRAM's encoding.
  if (/[\u0000-\u001f\u007f]/.test(user)) return "A user name cannot hold control characters";
  return null;
}

/** Changes to several credentials, made together by UserStore.alter. */
export interface CredentialChanges {
  deletions: ReadonlyArray<{ user: string; mechanism: ScramMechanism }>;
  upsertions: ReadonlyArray<{ user: string; mechanism: ScramMechanism; credential: ScramCredential }>;
}

/** `users` with the changes made (a copy: the original stays as it was until the file is written). */
function withChanges(users: UsersFile["users"], changes: CredentialChanges): UsersFile["users"] {
  // Computed keys in literals define properties: a user named "__proto__" stays a user.
  let changed = { ...users };
  for (const { user, mechanism } of changes.deletions) {
    if (!Object.hasOwn(changed, user)) continue;
    const remaining = { ...changed[user] };
    delete remaining[mechanism];
    if (Object.keys(remaining).length === 0) delete changed[user];
    else changed = { ...changed, [user]: remaining };
  }
  for (const { user, mechanism, credential } of changes.upsertions) {
    changed = { ...changed, [user]: { ...(Object.hasOwn(changed, user) ? changed[user] : {}), [mechanism]: toStored(credential) } };
  }
  return changed;
}

export class UserStore {
  readonly #file: string;
  #users: UsersFile["users"];
  /** The last write queued; the next change starts after it. */
  #writes: Promise<void> = Promise.resolve();

  private constructor(file: string, users: UsersFile["users"]) {
    this.#file = file;
    this.#users = users;
  }

  /** The users of a data folder (none when it has no users file). */
  static open(dataDir: string): UserStore {
    const file = join(dataDir, usersFileName);
    return new UserStore(file, readUsers(file));
  }

  /** Reads the file again (SIGHUP, after `chronik user … --data` changed it); a bad file keeps the users known. */
  reload(): void {
    this.#users = readUsers(this.#file);
  }


  credential(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    const stored = Object.hasOwn(this.#users, user) ? this.#users[user][mechanism] : undefined;
    return stored === undefined ? undefined : fromStored(stored);
  }

  /** Whether `user` has any credential. */
  has(user: string): boolean {
    return Object.hasOwn(this.#users, user);
  }

  list(): UserSummary[] {
    return Object.keys(this.#users)
      .sort()
      .map((user) => this.summary(user)!);
  }

  /** `user`'s mechanisms and iteration counts, or undefined when it has no credential. */
  summary(user: string): UserSummary | undefined {
    if (!Object.hasOwn(this.#users, user)) return undefined;
    const stored = this.#users[user];
    return { user, mechanisms: scramMechanisms.filter((mechanism) => stored[mechanism] !== undefined).map((mechanism) => ({ mechanism, iterations: stored[mechanism]!.iterations })) };
  }

  /** Stores (or replaces) `user`'s credential for `mechanism`. */
  async set(user: string, mechanism: ScramMechanism, credential: ScramCredential): Promise<void> {
    await this.alter({ deletions: [], upsertions: [{ user, mechanism, credential }] });
  }

  /** Deletes `user`'s credential for `mechanism`, or all of them; false when there was none. */
  async delete(user: string, mechanism?: ScramMechanism): Promise<boolean> {
    return await this.#update((users) => {
      if (!Object.hasOwn(users, user) || (mechanism !== undefined && users[user][mechanism] === undefined)) return { users: null, result: false };
      const mechanisms = mechanism === undefined ? scramMechanisms : [mechanism];
      return { users: withChanges(users, { deletions: mechanisms.map((entry) => ({ user, mechanism: entry })), upsertions: [] }), result: true };
    });
  }

  /**
   * Applies deletions, then upsertions, in one write of the file: all of them or, when the write
   * fails, none. A deletion of a credential that does not exist is skipped.
   */
  async alter(changes: CredentialChanges): Promise<void> {
    for (const { user } of changes.upsertions) {
      const problem = userNameProblem(user);
      if (problem !== null) throw new UserStoreError(problem);
    }
    await this.#update((users) => ({ users: withChanges(users, changes), result: undefined }));
  }

  /**
   * Runs `change` on the users as they are once the writes before it are done, and writes what it
   * returns (null: nothing). One at a time, so concurrent changes never lose each other.
   */
  #update<T>(change: (users: UsersFile["users"]) => { users: UsersFile["users"] | null; result: T }): Promise<T> {
    const done = this.#writes.then(async () => {
      const { users, result } = change(this.#users);
      if (users !== null) await this.#write(users);
      return result;
    });
    this.#writes = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  async #write(users: UsersFile["users"]): Promise<void> {
    const content: UsersFile = { version: 1, users };
    // Only the broker's user may read the credentials, from the moment the file exists.
    await writeFileAtomic(this.#file, JSON.stringify(content, null, 2) + "\n", 0o600);
    this.#users = users;
  }
}
