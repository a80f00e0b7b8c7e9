import { afterEach, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataFolderLock, DataFolderLockedError } from "../../src/storage/data-folder-lock.ts";

const dirs: string[] = [];
const locks: DataFolderLock[] = [];

afterEach(() => {
  for (const lock of locks.splice(0)) lock.release();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-lock-"));
  dirs.push(dir);
  return dir;
}

test("the lock creates the folder and its .lock file holding this process's pid", () => {
  const dataDir = path.join(tempDir(), "data");
  locks.push(DataFolderLock.acquire(dataDir));
  expect(fs.readFileSync(path.join(dataDir, ".lock"), "utf8")).toBe(`${process.pid}\n`);
});

test("a second acquisition is refused, naming the folder and the holder's pid, until the first is released", () => {
  const dataDir = tempDir();
  const first = DataFolderLock.acquire(dataDir);
  locks.push(first);
  let refusal: unknown;
  try {
    DataFolderLock.acquire(dataDir);
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(DataFolderLockedError);
  expect((refusal as DataFolderLockedError).holderPid).toBe(process.pid);
  expect((refusal as Error).message).toBe(
    `Cannot use data folder "${dataDir}": another process (pid ${process.pid}) holds its lock "${path.join(dataDir, ".lock")}"; stop it first or use another data folder`,
  );
  first.release();
  first.release();
  locks.push(DataFolderLock.acquire(dataDir));
});

test("a lock file left with another pid and no holder does not block", () => {
  const dataDir = tempDir();
  fs.writeFileSync(path.join(dataDir, ".lock"), "999999999\n");
  locks.push(DataFolderLock.acquire(dataDir));
  expect(fs.readFileSync(path.join(dataDir, ".lock"), "utf8")).toBe(`${process.pid}\n`);
});

test("a lock held by a process that is SIGKILLed is released by the kernel", async () => {
  const dataDir = tempDir();
  const script = `
    import { DataFolderLock } from ${JSON.stringify(path.resolve(import.meta.dir, "../../src/storage/data-folder-lock.ts"))};
    DataFolderLock.acquire(${JSON.stringify(dataDir)});
    console.log("locked");
    setInterval(() => {}, 1000);
  `;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
  try {
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain("locked");
    expect(() => DataFolderLock.acquire(dataDir)).toThrow(`pid ${child.pid}`);
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
  locks.push(DataFolderLock.acquire(dataDir));
}, 20_000);
