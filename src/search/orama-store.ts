// The Orama instance behind one segment index, and every place chronik reaches into Orama's
// index structures (radix trees for text, flat trees for keywords, AVL trees for numbers).
// Keeping that in one module means an Orama upgrade is checked here and nowhere else.
//
// chronik configures Orama with its own components:
// - the tokenizer is chronik's (tokenizer.ts), so query and document analysis agree, and it
//   keeps repeated terms: a term's frequency in a field counts, as BM25 intends (Orama's default
//   tokenizer drops duplicates, so every tf would be 1 / distinct terms);
// - the score parameters store a term's count in the field as its tf, count its document
//   frequency once per document (Orama's own count once per occurrence when the tokenizer keeps
//   duplicates) and keep the average field length exact over the documents that have the field.
//   Orama's stock tf is the term's share of the field (count / length), which divides by the
//   length a second time on top of BM25's own length normalisation: on the Debian corpus it
//   found known items worse (MRR@10 0.777 against 0.860 with counts; SQLite FTS5: 0.861);
// - the documents store only counts: the records themselves live in the segment index's columns
//   (and in the log), so text is not held twice in memory nor saved twice.
// Queries do not go through Orama's search(): its BM25 reads the instance's own statistics,
// while chronik scores with statistics gathered over every segment (scoring.ts). They read the
// same structures search() reads, with the same formula (oramaBm25 below).

import { type AnyOrama, components, create, insert, load, type RawData, save } from "@orama/orama";
import { terms } from "./tokenizer.ts";

export type OramaPropertyType = "string" | "enum[]" | "number[]";

/** Orama's default relevance parameters (k1, b, and d, the BM25+ lower bound per matching term). */
export const oramaRelevance = { k: 1.2, b: 0.75, d: 0.5 } as const;

/**
 * Orama's BM25 for one term in one document: `tf` is what the score parameters stored (here the
 * term's count in the field), `matchingCount` the documents having the term, `docsCount` all
 * documents.
 */
export function oramaBm25(tf: number, matchingCount: number, docsCount: number, fieldLength: number, averageFieldLength: number): number {
  const { k, b, d } = oramaRelevance;
  const idf = Math.log(1 + (docsCount - matchingCount + 0.5) / (matchingCount + 0.5));
  return (idf * (d + tf * (k + 1))) / (tf + k * (1 - b + (b * fieldLength) / averageFieldLength));
}

/** The parts of Orama's index data chronik reads; see components/index.js in @orama/orama. */
interface RadixNodeData {
  w: string;
  s: string;
  e: boolean;
  d: Set<number>;
  c: Map<string, RadixNodeData>;
}
interface AvlNodeData {
  k: number;
  v: Set<number>;
  l: AvlNodeData | null;
  r: AvlNodeData | null;
}
interface IndexData {
  indexes: Record<string, { type: string; node: unknown; isArray: boolean }>;
  frequencies: Record<string, Record<number, Record<string, number> | undefined>>;
  tokenOccurrences: Record<string, Record<string, number>>;
  avgFieldLength: Record<string, number>;
  fieldLengths: Record<string, Record<number, number | undefined>>;
}

/** Per text property: documents that have it and their summed length (for the exact average). */
interface LengthTotals {
  docs: number;
  sum: number;
}

/** `record[key]` when it is a number, else 0: an inherited "constructor" is not a count. */
function ownNumber(record: Record<string, unknown> | undefined, key: string): number {
  const value = record?.[key];
  return typeof value === "number" ? value : 0;
}

/**
 * The radix node at the end of `term`'s path: `inside` when the term ends within the node's edge
 * label (so only prefix lookups can use it). Orama's own find() gathers document ids with an
 * Array.includes per id, quadratic in a common term's documents; this reads the node's set.
 */
function radixNode(root: RadixNodeData, term: string): { node: RadixNodeData; inside: boolean } | null {
  let node = root;
  let at = 0;
  while (at < term.length) {
    const child = node.c.get(term[at]);
    if (!child) return null;
    const edge = child.s;
    let matched = 0;
    while (matched < edge.length && at + matched < term.length && edge[matched] === term[at + matched]) matched++;
    if (matched === edge.length) {
      node = child;
      at += matched;
    } else if (at + matched === term.length) {
      return { node: child, inside: true };
    } else {
      return null;
    }
  }
  return { node, inside: false };
}

/**
 * An empty object already in dictionary mode: adding dozens of arbitrary keys to a fresh literal
 * makes the engine build a hidden class per key, which was a fifth of all indexing time.
 */
function dictionary(): Record<string, number> {
  const object: Record<string, number> = { dictionaryMode: 0 };
  delete object.dictionaryMode;
  return object;
}

const tokenizer = {
  language: "english",
  normalizationCache: new Map<string, string>(),
  tokenize: (raw: string) => terms(raw),
};

/** What an index has taken in, for estimating its memory. */
export interface IndexedCounts {
  /** Text values (one per document and text property). */
  textValues: number;
  /** Tokens of all text values. */
  tokens: number;
  /** Distinct terms per text property, summed. */
  distinctTerms: number;
}

function scoreParameters(totals: Map<string, LengthTotals>, indexed: IndexedCounts) {
  return {
    insertDocumentScoreParameters(index: IndexData, prop: string, internalId: number, tokens: string[]): void {
      const counts = new Map<string, number>();
      for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
      const frequencies = dictionary();
      const occurrences = index.tokenOccurrences[prop];
      for (const [token, count] of counts) {
        // Terms are words of any text: "constructor" is stored as an own property like any
        // other, and read back with ownNumber; "__proto__" cannot be one and is not scored.
        if (token === "__proto__") continue;
        frequencies[token] = count;
        const before = ownNumber(occurrences, token);
        if (before === 0) indexed.distinctTerms++;
        occurrences[token] = before + 1;
      }
      indexed.textValues++;
      indexed.tokens += tokens.length;
      index.frequencies[prop][internalId] = frequencies;
      index.fieldLengths[prop][internalId] = tokens.length;
      let total = totals.get(prop);
      if (!total) {
        total = { docs: 0, sum: 0 };
        totals.set(prop, total);
      }
      total.docs++;
      total.sum += tokens.length;
      index.avgFieldLength[prop] = total.sum / total.docs;
    },
    // Done once per distinct term above; Orama calls this once per occurrence.
    insertTokenScoreParameters(): void {},
  };
}

/** Counts documents without keeping them: the segment index's columns hold the records. */
const countingDocumentsStore = {
  ...components.documentsStore.createDocumentsStore(),
  store(store: { count: number }): boolean {
    store.count++;
    return true;
  },
  save(store: { count: number }) {
    return { docs: {}, count: store.count };
  },
};

/**
 * An Orama instance configured as chronik's segment indexes are (tokenizer, score parameters,
 * counting documents store). Exported so tests can compare with Orama's own search().
 */
export function createChronikOrama(
  schema: Record<string, OramaPropertyType>,
  totals = new Map<string, LengthTotals>(),
  indexed: IndexedCounts = { textValues: 0, tokens: 0, distinctTerms: 0 },
): AnyOrama {
  return create({
    schema: { ...schema },
    sort: { enabled: false },
    components: {
      tokenizer,
      index: { ...components.index.createIndex(), ...scoreParameters(totals, indexed) },
      documentsStore: countingDocumentsStore,
    },
  } as unknown as Parameters<typeof create>[0]) as AnyOrama;
}

/** One text property of one index, for scoring its documents without a lookup per call. */
export interface TextReader {
  /** The documents having exactly `term`. */
  termDocs(term: string): number[];
  /** How often `term` occurs in `doc` (the tf Orama's BM25 reads), 0 when absent. */
  termCount(doc: number, term: string): number;
  /** The field's length in tokens in `doc`, 0 when the document does not have it. */
  length(doc: number): number;
}

export interface OramaStoreSnapshot {
  schema: Record<string, OramaPropertyType>;
  raw: RawData;
}

/** An Orama instance whose documents are numbered 0, 1, 2, … (Orama's internal ids are those plus one). */
export class OramaStore {
  readonly #schema: Record<string, OramaPropertyType>;
  readonly #totals = new Map<string, LengthTotals>();
  readonly #counts: IndexedCounts = { textValues: 0, tokens: 0, distinctTerms: 0 };
  readonly #orama: AnyOrama;
  #count = 0;

  private constructor(schema: Record<string, OramaPropertyType>) {
    this.#schema = schema;
    this.#orama = createChronikOrama(schema, this.#totals, this.#counts);
  }

  static empty(): OramaStore {
    return new OramaStore({});
  }

  static fromSnapshot(snapshot: OramaStoreSnapshot): OramaStore {
    const store = new OramaStore({ ...snapshot.schema });
    load(store.#orama, snapshot.raw);
    store.#count = (snapshot.raw.docs as { count: number }).count;
    const index = store.#index;
    for (const [prop, lengths] of Object.entries(index.fieldLengths)) {
      let docs = 0;
      let sum = 0;
      for (const length of Object.values(lengths)) {
        if (length === undefined || length === null) continue;
        docs++;
        sum += length;
      }
      store.#totals.set(prop, { docs, sum });
    }
    return store;
  }

  toSnapshot(): OramaStoreSnapshot {
    return { schema: { ...this.#schema }, raw: save(this.#orama) };
  }

  get #index(): IndexData {
    return this.#orama.data.index as unknown as IndexData;
  }

  hasProperty(prop: string): boolean {
    return prop in this.#schema;
  }

  /** Adds a property to the schema; Orama fixes the schema at creation, so its index is extended in place. */
  addProperty(prop: string, type: OramaPropertyType): void {
    if (this.hasProperty(prop)) return;
    this.#schema[prop] = type;
    (this.#orama.schema as Record<string, string>)[prop] = type;
    // Orama's index create() adds the schema's properties to the index it is given.
    const extend = this.#orama.index.create as unknown as (orama: AnyOrama, store: unknown, schema: object, index: unknown) => unknown;
    extend(this.#orama, this.#orama.internalDocumentIDStore, { [prop]: type }, this.#orama.data.index);
  }

  /** Inserts the next document (number `count`); `values` holds only properties already added. */
  insert(values: Record<string, string | string[] | number[]>): number {
    const doc = this.#count;
    insert(this.#orama, { id: String(doc), ...values });
    this.#count++;
    return doc;
  }

  get count(): number {
    return this.#count;
  }

  /** Text values, tokens and distinct terms indexed so far (not restored by fromSnapshot). */
  get indexedCounts(): Readonly<IndexedCounts> {
    return this.#counts;
  }

  /** Documents that have text property `prop`, and the sum of their lengths in tokens. */
  textTotals(prop: string): LengthTotals {
    return this.#totals.get(prop) ?? { docs: 0, sum: 0 };
  }

  /** How many documents have `term` in `prop`. */
  documentFrequency(prop: string, term: string): number {
    return ownNumber(this.#index.tokenOccurrences[prop], term);
  }

  /** Reads text property `prop`: its terms' documents, term counts and field lengths. */
  textReader(prop: string): TextReader | null {
    const root = this.#radix(prop);
    if (!root) return null;
    const frequencies = this.#index.frequencies[prop];
    const lengths = this.#index.fieldLengths[prop];
    return {
      termDocs(term: string): number[] {
        const found = radixNode(root, term);
        if (!found || found.inside || !found.node.e) return [];
        const docs: number[] = [];
        for (const internalId of found.node.d) docs.push(internalId - 1);
        return docs;
      },
      termCount: (doc, term) => ownNumber(frequencies[doc + 1], term),
      length: (doc) => lengths[doc + 1] ?? 0,
    };
  }

  /** The terms of `prop` starting with `prefix`, each with its documents. */
  prefixTerms(prop: string, prefix: string): Map<string, number[]> {
    const terms = new Map<string, number[]>();
    const root = this.#radix(prop);
    const start = root ? radixNode(root, prefix) : null;
    if (!start) return terms;
    const stack = [start.node];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.e && node.d.size > 0) terms.set(node.w, [...node.d].map((internalId) => internalId - 1));
      stack.push(...node.c.values());
    }
    return terms;
  }

  /** The documents that have text property `prop`. */
  textDocs(prop: string): number[] {
    const lengths = this.#index.fieldLengths[prop];
    if (!lengths) return [];
    const docs: number[] = [];
    for (const [internalId, length] of Object.entries(lengths)) if (length !== undefined && length !== null) docs.push(Number(internalId) - 1);
    return docs;
  }

  /** Each keyword of enum property `prop` with its documents. */
  *keywordEntries(prop: string): Generator<[string, number[]]> {
    const tree = this.#index.indexes[prop]?.node as { numberToDocumentId: Map<string, Set<number>> } | undefined;
    if (!tree) return;
    for (const [value, ids] of tree.numberToDocumentId) yield [value, [...ids].map((internalId) => internalId - 1)];
  }

  /** The documents whose enum property `prop` holds `value`. */
  keywordDocs(prop: string, value: string): number[] {
    const tree = this.#index.indexes[prop]?.node as { numberToDocumentId: Map<string, Set<number>> } | undefined;
    const ids = tree?.numberToDocumentId.get(value);
    return ids ? [...ids].map((internalId) => internalId - 1) : [];
  }

  /** Each (number, documents) of number property `prop`, in ascending order of the number. */
  *numberEntries(prop: string): Generator<[number, number[]]> {
    const tree = this.#index.indexes[prop]?.node as { root: AvlNodeData | null } | undefined;
    const stack: AvlNodeData[] = [];
    let node = tree?.root ?? null;
    while (node || stack.length > 0) {
      while (node) {
        stack.push(node);
        node = node.l;
      }
      const current = stack.pop()!;
      yield [current.k, [...current.v].map((internalId) => internalId - 1)];
      node = current.r;
    }
  }

  #radix(prop: string): RadixNodeData | undefined {
    const entry = this.#index.indexes[prop];
    return entry?.type === "Radix" ? (entry.node as RadixNodeData) : undefined;
  }
}
