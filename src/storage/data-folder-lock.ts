// The data folder's lock: one process at a time may write to a data folder. Two brokers on one
// folder overwrite each other's segments and checkpoints and lose acknowledged records, so the
// broker takes this lock before it touches anything in the folder and holds it for its life.
//
// The lock is flock(2), exclusive and non-blocking, on `<data>/.lock`, whose text is the
// holder's pid (only to name it in the refusal; the pid is never trusted as the lock itself).
// The kernel releases a flock when the last descriptor of the open file closes, so a broker
// that dies (even by SIGKILL) leaves no lock behind, and no pid can be reused into a false
// "locked". flock works on local file systems and tmpfs. Node and Bun have no file locking,
// so libc's flock is called through bun:ffi, which the single executable carries too.
// Within one process two acquisitions conflict as well (each opens its own file description),
// which keeps in-process tests honest.

import { dlopen, FFIType, read } from "bun:ffi";
import fs from "node:fs";
import path from "node:path";

export const lockFileName = ".lock";

// flock(2) operations and the errno of "held by someone else"; the same values on Linux and
// macOS, except EWOULDBLOCK.
const lockExclusive = 2;
const lockNonBlocking = 4;
const lockUnlock = 8;
const errnoWouldBlock = process.platform === "darwin" ? 35 : 11;
/** The pid text is a handful of digits; more than this in the lock file is not ours. */
const lockFileBytesMax = 64;

/** The data folder is locked by another process (or by another open in this one). */
export class DataFolderLockedError extends Error {
  override name = "DataFolderLockedError";
  readonly dataDir: string;
  /** The holder's pid as it wrote it into the lock file, or null when unreadable. */
  readonly holderPid: number | null;

  constructor(dataDir: string, holderPid: number | null) {
    const holder = holderPid === null ? "another process" : `another process (pid ${holderPid})`;
    super(`Cannot use data folder "${dataDir}": ${holder} holds its lock "${path.join(dataDir, lockFileName)}"; stop it first or use another data folder`);
    this.dataDir = dataDir;
    this.holderPid = holderPid;
  }
}

interface Libc {
  flock(fd: number, operation: number): number;
  errno(): number;
}

let libc: Libc | null = null;

/** libc's flock and errno, opened once; throws a one-line error on a platform without them. */
function openLibc(): Libc {
  if (libc !== null) return libc;
  const errnoSymbol = process.platform === "darwin" ? "__error" : "__errno_location";
  const names = process.platform === "darwin" ? ["libc.dylib", "/usr/lib/libSystem.B.dylib"] : ["libc.so.6", "libc.so"];
  for (const name of names) {
    try {
      const library = dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [errnoSymbol]: { args: [], returns: FFIType.ptr },
      });
      const errnoLocation = library.symbols[errnoSymbol] as () => number | null;
      libc = {
        flock: (fd, operation) => library.symbols.flock(fd, operation) as number,
        errno: () => {
          const location = errnoLocation();
          return location === null ? 0 : read.i32(location as never, 0);
        },
      };
      return libc;
    } catch {
      // Try the next name.
    }
  }
  throw new Error(`Cannot lock data folders on platform "${process.platform}": libc's flock is not available (tried ${names.map((name) => `"${name}"`).join(", ")})`);
}

/** An exclusive lock on a data folder, held until release() or the process's end. */
export class DataFolderLock {
  readonly dataDir: string;
  #fd: number | null;

  private constructor(dataDir: string, fd: number) {
    this.dataDir = dataDir;
    this.#fd = fd;
  }

  /**
   * Creates `dataDir` when missing and locks it; throws DataFolderLockedError when another
   * process (or another lock in this one) holds it.
   */
  static acquire(dataDir: string): DataFolderLock {
    const c = openLibc();
    fs.mkdirSync(dataDir, { recursive: true });
    const lockPath = path.join(dataDir, lockFileName);
    const fd = fs.openSync(lockPath, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    if (c.flock(fd, lockExclusive | lockNonBlocking) !== 0) {
      const errno = c.errno();
      const holderPid = errno === errnoWouldBlock ? readHolderPid(fd) : null;
      fs.closeSync(fd);
      if (errno === errnoWouldBlock) throw new DataFolderLockedError(dataDir, holderPid);
      throw new Error(`Cannot lock data folder "${dataDir}": flock of "${lockPath}" failed with errno ${errno}`);
    }
    try {
      const pidText = `${process.pid}\n`;
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, pidText, 0);
    } catch (error) {
      fs.closeSync(fd);
      throw new Error(`Cannot write the lock file "${lockPath}": ${(error as Error).message}`);
    }
    return new DataFolderLock(dataDir, fd);
  }

  /** Releases the lock (the file stays; its pid text is stale from then on). Safe to call twice. */
  release(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    openLibc().flock(fd, lockUnlock);
    fs.closeSync(fd);
  }
}

/** The pid the holder wrote, or null while it is still being written or is not a pid. */
function readHolderPid(fd: number): number | null {
  const buffer = Buffer.alloc(lockFileBytesMax);
  const length = fs.readSync(fd, buffer, 0, lockFileBytesMax, 0);
  const text = buffer.subarray(0, length).toString("utf8").trim();
  return /^\d{1,10}$/.test(text) ? Number(text) : null;
}
