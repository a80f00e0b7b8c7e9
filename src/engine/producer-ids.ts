// Producer ids for InitProducerId: never given twice in the life of a data folder, across
// restarts and crashes (a reused id would make one producer's batches look like another's
// retries). Ids are handed out from blocks: before the first id of a block is given, the block's
// end is checkpointed (written atomically and fsynced), so after a crash the next block starts
// past every id that may have been given. A restart wastes the rest of a block, as Kafka's
// brokers do with the blocks of 1 000 their controller hands them.

import fs from "node:fs";
import { readCheckpoint, writeCheckpoint } from "../storage/checkpoint.ts";
import type { StorageLogger } from "../storage/logger.ts";

export const producerIdBlockSize = 1000;
/** The checkpoint's name in the data folder. */
export const producerIdCheckpointName = "producer-id-block";
/** Producer ids are int64 on the wire; chronik stays within exact JavaScript integers. */
const producerIdMax = Number.MAX_SAFE_INTEGER;

export class ProducerIdAllocator {
  readonly #file: string;
  readonly #blockSize: number;
  /** The next id to give, and the end (exclusive) of the block checkpointed. */
  #next: number;
  #blockEnd: number;
  /** Block checkpoints, one at a time: concurrent callers wait for the same block. */
  #writing: Promise<void> | null = null;

  private constructor(file: string, start: number, blockSize: number) {
    this.#file = file;
    this.#blockSize = blockSize;
    this.#next = start;
    this.#blockEnd = start;
  }

  /**
   * Opens the allocator whose checkpoint is `file`: ids start where the last block ended (0 for a
   * new folder). A checkpoint that exists but cannot be read stops the broker, naming the file:
   * starting again from 0 could give ids already given.
   */
  static open(file: string, logger: StorageLogger, blockSize = producerIdBlockSize): ProducerIdAllocator {
    const start = readCheckpoint(file, logger);
    if (start === null && fs.existsSync(file)) {
      throw new Error(`Cannot read the producer id checkpoint "${file}": without it ids already given could be given again; restore it or remove it only if no producer of this folder is running`);
    }
    return new ProducerIdAllocator(file, start ?? 0, blockSize);
  }

  /** The next producer id, once the block holding it is checkpointed. */
  async next(): Promise<number> {
    while (this.#next >= this.#blockEnd) {
      this.#writing ??= this.#checkpointBlock().finally(() => {
        this.#writing = null;
      });
      await this.#writing;
    }
    return this.#next++;
  }

  async #checkpointBlock(): Promise<void> {
    const end = Math.min(this.#next + this.#blockSize, producerIdMax);
    if (end <= this.#next) throw new Error(`Cannot give another producer id: all ${producerIdMax} have been given`);
    await writeCheckpoint(this.#file, end);
    this.#blockEnd = end;
  }
}
