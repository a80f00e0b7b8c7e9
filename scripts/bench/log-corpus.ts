// A deterministic corpus of JSON log lines for search benchmarks: the same seed gives the same
// lines, byte for byte, on every run and machine, so a benchmark can produce them to a broker and
// index them again elsewhere (SQLite FTS5) without holding them all in memory. A line is about
// 180 bytes:
//   {"ts":"2024-05-01T00:00:00.012Z","level":"info","service":"billing","user":"u48213",
//    "latency_ms":37,"status":200,"message":"vokar tesimo lu banedra …"}
// Levels, services, statuses and message words are skewed as real logs are (a few values are
// most of the lines; message words follow a Zipf law over a vocabulary of a few thousand words).

export const logLevels = ["info", "debug", "warn", "error"] as const;
const levelWeights = [70, 15, 10, 5];
export const logServices = [
  "api", "auth", "billing", "cart", "catalog", "checkout", "email", "gateway", "inventory", "ledger",
  "notifier", "orders", "payments", "pricing", "profile", "recommender", "search", "shipping", "sessions", "uploads",
] as const;
const okStatuses = [200, 200, 200, 200, 201, 204, 301, 304];
const warnStatuses = [400, 401, 403, 404, 409, 429];
const errorStatuses = [500, 502, 503, 504];
export const userCount = 100_000;
export const vocabularyWords = 4_000;
const messageWordsMin = 4;
const messageWordsMax = 10;
/** Exponent of the Zipf law of message words: 1 is the classic law of natural text. */
const zipfExponent = 1;
const syllables = ["ba", "ko", "ri", "tes", "mo", "lu", "van", "de", "ra", "shi", "gor", "pe", "na", "ul", "fi", "zen", "to", "ca", "mir", "el", "dra", "su", "ne", "ox"];
/** 2024-05-01T00:00:00Z: lines are ~12 ms apart from here, in order. */
const firstTimestampMs = 1_714_521_600_000;
const defaultSeed = 0xc4_10_9e_75;

/** mulberry32: a small, fast, seedable generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The vocabulary of message words, most frequent first: lowercase letters only, distinct. */
export function vocabulary(seed = defaultSeed): string[] {
  const random = seededRandom(seed ^ 0x5eed);
  const words = new Set<string>();
  while (words.size < vocabularyWords) {
    const syllableCount = 1 + Math.floor(random() * 4);
    let word = "";
    for (let i = 0; i < syllableCount; i++) word += syllables[Math.floor(random() * syllables.length)];
    if (word.length >= 3) words.add(word);
  }
  return [...words];
}

/** Cumulative weights for sampling an index by weight with a binary search. */
function cumulative(weights: number[]): Float64Array {
  const sums = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) sums[i] = total += weights[i];
  return sums.map((sum) => sum / total);
}

function pick(sums: Float64Array, uniform: number): number {
  let low = 0;
  let high = sums.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sums[middle] <= uniform) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** One parsed line, as generated. */
export interface LogLine {
  ts: string;
  level: string;
  service: string;
  user: string;
  latency_ms: number;
  status: number;
  message: string;
}

/** Yields `count` lines as JSON text; the same `seed` yields the same lines. */
export function* logLines(count: number, seed = defaultSeed): Generator<string> {
  const random = seededRandom(seed);
  const words = vocabulary(seed);
  const wordSums = cumulative(words.map((_, rank) => 1 / (rank + 1) ** zipfExponent));
  const levelSums = cumulative(levelWeights);
  // Services: a few busy ones, a long tail (weights 1/√rank).
  const serviceSums = cumulative(logServices.map((_, rank) => 1 / Math.sqrt(rank + 1)));
  let timestampMs = firstTimestampMs;
  for (let i = 0; i < count; i++) {
    timestampMs += Math.floor(random() * 24);
    const level = logLevels[pick(levelSums, random())];
    const statuses = level === "error" ? errorStatuses : level === "warn" ? warnStatuses : okStatuses;
    // Log-normal latency, median ≈ 40 ms; ≈ 1 % of lines take 500 ms or more.
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const line: LogLine = {
      ts: new Date(timestampMs).toISOString(),
      level,
      service: logServices[pick(serviceSums, random())],
      user: `u${Math.floor(random() * userCount)}`,
      latency_ms: Math.round(Math.exp(Math.log(40) + 1.1 * gaussian)),
      status: statuses[Math.floor(random() * statuses.length)],
      message: "",
    };
    const wordCount = messageWordsMin + Math.floor(random() * (messageWordsMax - messageWordsMin + 1));
    const message: string[] = [];
    for (let j = 0; j < wordCount; j++) message.push(words[pick(wordSums, random())]);
    line.message = message.join(" ");
    yield JSON.stringify(line);
  }
}
