// BM25, with statistics gathered over every segment a query runs on, so a document scores the
// same whether its partition's index has one segment or a hundred: the ranking equals that of a
// single index over the same documents (tests/search/searcher.test.ts).
//
// The formula is BM25 as Lucene (Elasticsearch) and SQLite FTS5 compute it: k1 1.2, b 0.75, a
// term's count in the field as its tf. Orama's BM25+ (a lower bound d = 0.5 added per matching
// term), which chronik used before, found known items of the Debian corpus a little worse
// (MRR@10 0.844 against 0.848; FTS5 0.846: docs/search.md).

import type { Query } from "./query.ts";
import type { SearchSegment } from "./search-segment.ts";
import { terms } from "./tokenizer.ts";
import { searchedText } from "./value-text.ts";

/** Relevance parameters: k1 and b. */
export const relevance = { k: 1.2, b: 0.75 } as const;

/**
 * BM25 of one term in one document: `tf` is its count in the field, `matchingCount` the
 * documents having the term, `docsCount` all documents.
 */
export function bm25(tf: number, matchingCount: number, docsCount: number, fieldLength: number, averageFieldLength: number): number {
  const { k, b } = relevance;
  const idf = Math.log(1 + (docsCount - matchingCount + 0.5) / (matchingCount + 0.5));
  return (idf * tf * (k + 1)) / (tf + k * (1 - b + (b * fieldLength) / averageFieldLength));
}

/**
 * BM25 statistics summed over indexes: all documents, per field the documents having it
 * and their total length, per field and term the documents having the term.
 */
export class GlobalStats {
  documents = 0;
  readonly fieldDocs = new Map<string, number>();
  readonly fieldLengthSum = new Map<string, number>();
  readonly documentFrequency = new Map<string, number>();

  /** Adds one index's statistics for the text terms `query` uses. */
  add(index: SearchSegment, wanted: Map<string, Set<string>>): void {
    this.documents += index.docCount;
    for (const [field, fieldTerms] of wanted) {
      const text = searchedText(index, field);
      if (text === null || text.totals.docs === 0) continue;
      const totals = text.totals;
      this.fieldDocs.set(field, (this.fieldDocs.get(field) ?? 0) + totals.docs);
      this.fieldLengthSum.set(field, (this.fieldLengthSum.get(field) ?? 0) + totals.sum);
      for (const term of fieldTerms) {
        const frequency = text.documentFrequency(term);
        if (frequency > 0) this.documentFrequency.set(key(field, term), (this.documentFrequency.get(key(field, term)) ?? 0) + frequency);
      }
    }
  }

  /** How many documents of all indexes have `term` in `field`. */
  matching(field: string, term: string): number {
    return this.documentFrequency.get(key(field, term)) ?? 0;
  }

  /**
   * BM25 of a term in `field` that `matchingCount` documents have, as a function of its
   * count in a document and that document's field length (summed per term of a phrase).
   */
  termScorer(field: string, matchingCount: number): (tf: number, length: number) => number {
    const documents = this.fieldDocs.get(field) ?? 0;
    const averageLength = documents === 0 ? 1 : (this.fieldLengthSum.get(field) ?? 0) / documents;
    return (tf, length) => bm25(tf, matchingCount, this.documents, length, averageLength);
  }
}

function key(field: string, term: string): string {
  return `${field}\u0000${term}`;
}

/** The analyzed terms each field of `query` searches, for GlobalStats.add. */
export function scoredTerms(query: Query, into = new Map<string, Set<string>>()): Map<string, Set<string>> {
  switch (query.kind) {
    case "match":
    case "phrase": {
      let fieldTerms = into.get(query.field);
      if (!fieldTerms) {
        fieldTerms = new Set();
        into.set(query.field, fieldTerms);
      }
      for (const term of terms(query.text)) fieldTerms.add(term);
      break;
    }
    case "dis_max":
      for (const part of query.queries) scoredTerms(part, into);
      break;
    case "bool":
      // Filter and must_not clauses are not scored.
      for (const part of [...query.must, ...query.should]) scoredTerms(part, into);
      break;
    default:
      break;
  }
  return into;
}
