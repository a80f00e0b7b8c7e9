// Chooses a partition for a record the way the Java client's default partitioner does, so
// that chronik, kafka-python and Java producers put the same key in the same partition:
// keyed records go to toPositive(murmur2(key)) % partitionCount. The "crc32" strategy is
// librdkafka's default (consistent_random: crc32(key) % partitionCount, empty keys unkeyed), so
// keys land where kcat and confluent-kafka put them; "random" ignores keys. Records without a key
// stick to one partition until about a batch worth of bytes went there, then move on
// (Kafka's "uniform sticky" behaviour, KIP-794), which keeps batches full.

const murmurSeed = 0x9747b28c;
const murmurMultiplier = 0x5bd1e995;
const murmurShift = 24;

/** Kafka's Utils.murmur2: 32-bit MurmurHash2 with seed 0x9747b28c, as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let hash = murmurSeed ^ length;
  const wholeWords = length & ~3;
  for (let i = 0; i < wholeWords; i += 4) {
    let word = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    word = Math.imul(word, murmurMultiplier);
    word ^= word >>> murmurShift;
    word = Math.imul(word, murmurMultiplier);
    hash = Math.imul(hash, murmurMultiplier) ^ word;
  }
  // The Java switch falls through from the highest remaining byte down.
  const tail = length & 3;
  if (tail === 3) hash ^= data[wholeWords + 2] << 16;
  if (tail >= 2) hash ^= data[wholeWords + 1] << 8;
  if (tail >= 1) hash = Math.imul(hash ^ data[wholeWords], murmurMultiplier);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, murmurMultiplier);
  hash ^= hash >>> 15;
  return hash | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which differs for negatives). */
export function toPositive(value: number): number {
  return value & 0x7fffffff;
}

/** The partition of a keyed record, as the Java client computes it. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

export const partitionerStrategies = ["murmur2", "crc32", "random"] as const;
export type PartitionerStrategy = (typeof partitionerStrategies)[number];

/** librdkafka's consistent partitioner: the IEEE CRC-32 of the key (as rd_crc32), modulo the count. */
export function crc32PartitionForKey(key: Uint8Array, partitionCount: number): number {
  return Bun.hash.crc32(key) % partitionCount;
}

/**
 * Assigns partitions to records. Keyed records hash; unkeyed records of a topic share a
 * "sticky" partition that advances (round robin) after `stickyBytes` bytes were assigned to it.
 */
export class Partitioner {
  readonly #stickyBytes: number;
  readonly #strategy: PartitionerStrategy;
  readonly #sticky = new Map<string, { partition: number; bytes: number }>();

  constructor(options: { stickyBytes: number; strategy?: PartitionerStrategy }) {
    this.#stickyBytes = options.stickyBytes;
    this.#strategy = options.strategy ?? "murmur2";
  }

  /** The partition for a record of `recordBytes` (an estimate of its size) with this key. */
  partition(topic: string, key: Uint8Array | null, recordBytes: number, partitionCount: number): number {
    if (this.#strategy === "random") return Math.floor(Math.random() * partitionCount);
    if (key !== null && this.#strategy === "murmur2") return partitionForKey(key, partitionCount);
    if (key !== null && key.length > 0) return crc32PartitionForKey(key, partitionCount);
    let sticky = this.#sticky.get(topic);
    if (sticky === undefined) {
      sticky = { partition: Math.floor(Math.random() * partitionCount), bytes: 0 };
      this.#sticky.set(topic, sticky);
    }
    if (sticky.bytes >= this.#stickyBytes || sticky.partition >= partitionCount) {
      sticky.partition = (sticky.partition + 1) % partitionCount;
      sticky.bytes = 0;
    }
    sticky.bytes += recordBytes;
    return sticky.partition;
  }
}
