import { describe, expect, test } from "bun:test";
import { Partition } from "../../src/engine/partition.ts";
import { MemoryLog } from "../../src/storage/memory-log.ts";
import { batchOf } from "./fixtures.ts";

describe("Partition", () => {
  test("appends through its log and wakes each waiter once", async () => {
    const partition = new Partition("orders", 0, new MemoryLog());
    const wakes: string[] = [];
    partition.onNextData(() => wakes.push("first"));
    partition.onNextData(() => wakes.push("second"));
    const appended = await partition.append(batchOf(["a", "b"]));
    expect(appended).toMatchObject({ baseOffset: 0, lastOffset: 1 });
    await Promise.resolve();
    expect(wakes.sort()).toEqual(["first", "second"]);
    await partition.append(batchOf(["c"]));
    await Promise.resolve();
    expect(wakes).toHaveLength(2);
  });

  test("a cancelled wait is not woken", async () => {
    const partition = new Partition("orders", 0, new MemoryLog());
    let woken = false;
    const cancel = partition.onNextData(() => (woken = true));
    cancel();
    await partition.append(batchOf(["a"]));
    await Promise.resolve();
    expect(woken).toBe(false);
  });

  test("waiters are not woken by a failed append", async () => {
    const log = new MemoryLog();
    const partition = new Partition("orders", 0, log);
    let woken = false;
    partition.onNextData(() => (woken = true));
    await log.close();
    await expect(partition.append(batchOf(["a"]))).rejects.toThrow("closed");
    await Promise.resolve();
    expect(woken).toBe(false);
  });

  test("waiters wake only once the append is durable", async () => {
    const log = new MemoryLog();
    const append = log.append.bind(log);
    let finish!: () => void;
    log.append = async (batches, options) => {
      await new Promise<void>((resolve) => (finish = resolve));
      return append(batches, options);
    };
    const partition = new Partition("orders", 0, log);
    let woken = false;
    partition.onNextData(() => (woken = true));
    const appended = partition.append(batchOf(["a"]));
    await Promise.resolve();
    expect(woken).toBe(false);
    finish();
    await appended;
    await Promise.resolve();
    expect(woken).toBe(true);
  });
});
