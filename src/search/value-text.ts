// The default field ("_value") of JSON values, searched without being indexed twice. A JSON
// value's text is the text of its fields, so its terms are indexed once, in their fields, and
// the default field is searched as the union of those fields, plus the scalars field (the terms
// of its numbers and booleans) and the default field's own postings (for values that are not
// JSON objects). Indexing every term in the default field too cost half of the indexing time and
// a third of the index.
//
// The union scores as the one field it stands for: a term's count is summed over the fields of a
// document, the length is the default field's own (kept for every document), and a term's
// document frequency counts each document once, however many of its fields hold the term (a
// sum over the fields would lower the idf of exactly the words known-item searches use: a
// package's name, which its description repeats).

import { MetaField } from "./document.ts";
import { compareUtf8, type PositionedPostings, type Postings, type SearchSegment, type TextField } from "./search-segment.ts";

/** The text of JSON numbers and booleans: a field no JSON path produces. */
export const valueScalarsField = "\u0001scalars";

/** Fields whose text is not part of the default field: record metadata. */
function isMetadata(field: string): boolean {
  return field === MetaField.value || field === MetaField.key || field.startsWith(MetaField.headersPrefix);
}

/** `field`'s text as queries search it: for the default field, the union described above. */
export function searchedText(segment: SearchSegment, field: string): TextField | null {
  const own = segment.text(field);
  if (field !== MetaField.value || own === null) return own;
  const parts: TextField[] = [own];
  for (const name of segment.fieldNames()) {
    if (isMetadata(name)) continue;
    const text = segment.text(name);
    if (text !== null) parts.push(text);
  }
  return parts.length === 1 ? own : new UnionText(own, parts);
}

class UnionText implements TextField {
  /** Positions of different fields do not line up: a phrase is checked on the record's text. */
  readonly keepsPositions = false;
  readonly #own: TextField;
  readonly #parts: TextField[];

  constructor(own: TextField, parts: TextField[]) {
    this.#own = own;
    this.#parts = parts;
  }

  get totals() {
    return this.#own.totals;
  }

  length(doc: number): number {
    return this.#own.length(doc);
  }

  documentFrequency(term: string): number {
    let holders = 0;
    let frequency = 0;
    for (const part of this.#parts) {
      const partFrequency = part.documentFrequency(term);
      if (partFrequency === 0) continue;
      holders++;
      frequency = partFrequency;
    }
    // In several fields: the documents of the union, counted once each.
    return holders <= 1 ? frequency : this.postings(term)!.docs.length;
  }

  postings(term: string): Postings | null {
    const found: Postings[] = [];
    for (const part of this.#parts) {
      const postings = part.postings(term);
      if (postings !== null && postings.docs.length > 0) found.push(postings);
    }
    if (found.length <= 1) return found[0] ?? null;
    return mergePostings(found);
  }

  positioned(): PositionedPostings | null {
    return null;
  }

  *terms(prefix: string): Iterable<string> {
    const all = new Set<string>();
    for (const part of this.#parts) for (const term of part.terms(prefix)) all.add(term);
    yield* [...all].sort(compareUtf8);
  }
}

/** One list of the documents of several, counts summed where a document is in more than one. */
export function mergePostings(lists: Postings[]): Postings {
  return lists.reduce(mergeTwo);
}

/** The ascending union of two lists (a merge of sorted lists: no map of every document). */
function mergeTwo(a: Postings, b: Postings): Postings {
  const docs = new Int32Array(a.docs.length + b.docs.length);
  const freqs = new Int32Array(docs.length);
  let size = 0;
  let i = 0;
  let j = 0;
  while (i < a.docs.length || j < b.docs.length) {
    const x = i < a.docs.length ? a.docs[i] : Number.POSITIVE_INFINITY;
    const y = j < b.docs.length ? b.docs[j] : Number.POSITIVE_INFINITY;
    docs[size] = Math.min(x, y);
    freqs[size++] = (x <= y ? a.freqs[i++] : 0) + (y <= x ? b.freqs[j++] : 0);
  }
  return { docs: docs.subarray(0, size), freqs: freqs.subarray(0, size) };
}
