// Follows the sequence numbers of idempotent producers through one partition's batches, in
// offset order, and names every break: a batch that repeats sequences its producer already
// wrote in the same epoch (a duplicate that got past the broker), one that skips some (a gap),
// an epoch that goes back, or a new epoch not starting at 0. `chronik inspect --verify` and
// the storage verifier run it; it is how a test proves exactly-once on disk.

import { Attributes } from "./batch-header.ts";
import type { BatchHeader } from "./batch-header.ts";

const sequenceMax = 0x7fff_ffff;

interface LastBatch {
  epoch: number;
  lastSequence: number;
  offset: number;
}

export class ProducerSequenceCheck {
  readonly #last = new Map<number, LastBatch>();

  /**
   * The break `header` makes in its producer's sequences, or null. Gaps are not reported for
   * batches below `gapsBelow` (the compacted part of a log, where removed batches leave them).
   */
  check(header: BatchHeader, gapsBelow = 0): string | null {
    if (header.producerId < 0 || (header.attributes & Attributes.control) !== 0) return null;
    const { producerId, producerEpoch: epoch, baseSequence, baseOffset } = header;
    const lastSequence = (baseSequence + header.lastOffsetDelta) % (sequenceMax + 1);
    const previous = this.#last.get(producerId);
    this.#last.set(producerId, { epoch, lastSequence, offset: baseOffset });
    if (previous === undefined) return null;
    const who = `Producer ${producerId} (epoch ${epoch}): the batch at offset ${baseOffset}`;
    if (epoch < previous.epoch) return `${who} has an epoch older than ${previous.epoch}, seen at offset ${previous.offset}`;
    if (epoch > previous.epoch) return baseSequence === 0 ? null : `${who} starts its new epoch at sequence ${baseSequence}, not 0`;
    const expected = previous.lastSequence === sequenceMax ? 0 : previous.lastSequence + 1;
    if (baseSequence === expected) return null;
    if (baseSequence < expected && expected - baseSequence <= sequenceMax / 2) {
      return `${who} repeats sequences ${baseSequence}-${lastSequence}: a duplicate of what the batch at offset ${previous.offset} or before holds`;
    }
    if (baseOffset < gapsBelow) return null;
    return `${who} starts at sequence ${baseSequence}, but the producer's previous batch (offset ${previous.offset}) ended at ${previous.lastSequence}: sequences are missing`;
  }
}
