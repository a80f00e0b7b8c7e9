// The documents of one segment that a query matches, with their scores: document numbers
// ascending in an Int32Array and the scores beside them in a Float64Array. A match costs 12
// bytes this way, where a Map from document to score costs about 50 to 80 bytes of heap and
// garbage for the collector: a broad query over a segment of millions of documents holds tens
// of megabytes, not hundreds. The set operations a query needs (union, intersection,
// difference) are merges of two ascending lists.

export class Matches {
  /** The documents, ascending and distinct, in [0, size). */
  readonly docs: Int32Array;
  /** Each document's score, beside it. */
  readonly scores: Float64Array;
  readonly size: number;

  constructor(docs: Int32Array, scores: Float64Array, size = docs.length) {
    this.docs = docs;
    this.scores = scores;
    this.size = size;
  }

  static none(): Matches {
    return new Matches(new Int32Array(0), new Float64Array(0));
  }

  /** Every document of a segment of `docCount`, each scoring `score`. */
  static all(docCount: number, score = 1): Matches {
    const docs = new Int32Array(docCount);
    for (let doc = 0; doc < docCount; doc++) docs[doc] = doc;
    return new Matches(docs, new Float64Array(docCount).fill(score));
  }

  /** `docs` (ascending and distinct), each scoring `score`. */
  static constant(docs: ArrayLike<number>, score = 1): Matches {
    return new Matches(Int32Array.from(docs), new Float64Array(docs.length).fill(score), docs.length);
  }

  /** The same documents, each scoring `score`. */
  withScore(score: number): Matches {
    return new Matches(this.docs, new Float64Array(this.size).fill(score), this.size);
  }
}

/** Collects documents in any order, with repeats, into constant-score Matches. */
export class DocCollector {
  #docs = new Int32Array(64);
  #length = 0;

  add(doc: number): void {
    if (this.#length === this.#docs.length) {
      const grown = new Int32Array(this.#docs.length * 2);
      grown.set(this.#docs);
      this.#docs = grown;
    }
    this.#docs[this.#length++] = doc;
  }

  addAll(docs: ArrayLike<number>): void {
    for (let i = 0; i < docs.length; i++) this.add(docs[i]);
  }

  /** The documents sorted, each once, scoring `score`. */
  matches(score = 1): Matches {
    const docs = this.#docs.subarray(0, this.#length).sort();
    let distinct = 0;
    for (let i = 0; i < docs.length; i++) if (i === 0 || docs[i] !== docs[i - 1]) docs[distinct++] = docs[i];
    return new Matches(docs, new Float64Array(distinct).fill(score), distinct);
  }
}

/** Appends documents in ascending order: the output of a merge, at most `capacity` long. */
class MergeOutput {
  readonly docs: Int32Array;
  readonly scores: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.docs = new Int32Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  push(doc: number, score: number): void {
    this.docs[this.size] = doc;
    this.scores[this.size++] = score;
  }

  matches(): Matches {
    return new Matches(this.docs, this.scores, this.size);
  }
}

/**
 * Documents in either; a document in both scores `both(a's score, b's)`, one in a single list
 * keeps its score there.
 */
export function union(a: Matches, b: Matches, both: (x: number, y: number) => number): Matches {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new MergeOutput(a.size + b.size);
  let i = 0;
  let j = 0;
  while (i < a.size && j < b.size) {
    const x = a.docs[i];
    const y = b.docs[j];
    if (x < y) out.push(x, a.scores[i++]);
    else if (y < x) out.push(y, b.scores[j++]);
    else out.push(x, both(a.scores[i++], b.scores[j++]));
  }
  for (; i < a.size; i++) out.push(a.docs[i], a.scores[i]);
  for (; j < b.size; j++) out.push(b.docs[j], b.scores[j]);
  return out.matches();
}

export const keepFirst = (x: number): number => x;
export const larger = (x: number, y: number): number => Math.max(x, y);

/** Documents in both; scores add when `scored` (a must clause), stay a's otherwise (a filter). */
export function intersect(a: Matches, b: Matches, scored: boolean): Matches {
  const out = new MergeOutput(Math.min(a.size, b.size));
  let i = 0;
  let j = 0;
  while (i < a.size && j < b.size) {
    const x = a.docs[i];
    const y = b.docs[j];
    if (x < y) i++;
    else if (y < x) j++;
    else {
      out.push(x, scored ? a.scores[i] + b.scores[j] : a.scores[i]);
      i++;
      j++;
    }
  }
  return out.matches();
}

/** a's documents that b lacks. */
export function subtract(a: Matches, b: Matches): Matches {
  if (b.size === 0 || a.size === 0) return a;
  const out = new MergeOutput(a.size);
  let j = 0;
  for (let i = 0; i < a.size; i++) {
    const doc = a.docs[i];
    while (j < b.size && b.docs[j] < doc) j++;
    if (j < b.size && b.docs[j] === doc) continue;
    out.push(doc, a.scores[i]);
  }
  return out.matches();
}

/**
 * Walks one ascending list alongside ascending lookups: `find(doc)` is the position of `doc`
 * in the list or -1, each call costing only the distance moved since the last.
 */
export class Cursor {
  readonly #docs: ArrayLike<number>;
  readonly #size: number;
  #at = 0;

  constructor(docs: ArrayLike<number>, size = docs.length) {
    this.#docs = docs;
    this.#size = size;
  }

  find(doc: number): number {
    const docs = this.#docs;
    while (this.#at < this.#size && docs[this.#at] < doc) this.#at++;
    return this.#at < this.#size && docs[this.#at] === doc ? this.#at : -1;
  }
}

/** Builds Matches from documents given in ascending order, growing as needed. */
export class AscendingBuilder {
  #docs = new Int32Array(64);
  #scores = new Float64Array(64);
  #size = 0;

  push(doc: number, score: number): void {
    if (this.#size === this.#docs.length) {
      const docs = new Int32Array(this.#size * 2);
      const scores = new Float64Array(this.#size * 2);
      docs.set(this.#docs);
      scores.set(this.#scores);
      this.#docs = docs;
      this.#scores = scores;
    }
    this.#docs[this.#size] = doc;
    this.#scores[this.#size++] = score;
  }

  matches(): Matches {
    return new Matches(this.#docs, this.#scores, this.#size);
  }
}
