import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeScramCredential, passwordMatches } from "../../src/security/scram.ts";
import { UserStore, usersFileName } from "../../src/security/user-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "chronik-users-"));
  dirs.push(dir);
  return dir;
}

describe("UserStore", () => {
  test("credentials survive a reopen, the file is the owner's only and holds no password", async () => {
    const dir = folder();
    const store = UserStore.open(dir);
    await store.set("alice", "SCRAM-SHA-512", makeScramCredential("SCRAM-SHA-512", "wonderland", 8192));
    await store.set("alice", "SCRAM-SHA-256", makeScramCredential("SCRAM-SHA-256", "wonderland"));
    await store.set("bob", "SCRAM-SHA-256", makeScramCredential("SCRAM-SHA-256", "builder"));
    const file = join(dir, usersFileName);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).not.toContain("wonderland");
    const reopened = UserStore.open(dir);
    expect(reopened.list()).toEqual([
      { user: "alice", mechanisms: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }, { mechanism: "SCRAM-SHA-512", iterations: 8192 }] },
      { user: "bob", mechanisms: [{ mechanism: "SCRAM-SHA-256", iterations: 4096 }] },
    ]);
    expect(passwordMatches("SCRAM-SHA-512", reopened.credential("alice", "SCRAM-SHA-512")!, "wonderland")).toBe(true);
    expect(reopened.credential("bob", "SCRAM-SHA-512")).toBeUndefined();
  });

  test("delete one mechanism or the whole user", async () => {
    const store = UserStore.open(folder());
    await store.set("alice", "SCRAM-SHA-512", makeScramCredential("SCRAM-SHA-512", "x"));
    await store.set("alice", "SCRAM-SHA-256", makeScramCredential("SCRAM-SHA-256", "x"));
    expect(await store.delete("alice", "SCRAM-SHA-256")).toBe(true);
    expect(store.list()).toEqual([{ user: "alice", mechanisms: [{ mechanism: "SCRAM-SHA-512", iterations: 4096 }] }]);
    expect(await store.delete("alice", "SCRAM-SHA-256")).toBe(false);
    expect(await store.delete("alice")).toBe(true);
    expect(store.has("alice")).toBe(false);
    expect(await store.delete("nobody")).toBe(false);
  });

  test("bad names and a damaged file are one-line errors", async () => {
    const dir = folder();
    const store = UserStore.open(dir);
    await expect(store.set("", "SCRAM-SHA-256", makeScramCredential("SCRAM-SHA-256", "x"))).rejects.toThrow("A user name cannot be empty");
    await expect(store.set("eve\nINFO forged", "SCRAM-SHA-256", makeScramCredential("SCRAM-SHA-256", "x"))).rejects.toThrow("A user name cannot hold control characters");
    writeFileSync(join(dir, usersFileName), "{not json");
    expect(() => UserStore.open(dir)).toThrow(`Cannot read users file "${join(dir, usersFileName)}"`);
    writeFileSync(join(dir, usersFileName), '{"version":2}');
    expect(() => UserStore.open(dir)).toThrow("is not a version 1 users file");
  });
});
