// BM25 with statistics gathered over every index a query runs on, so a document scores the
// same whether its partition's log has one segment or a hundred: the ranking equals that of a
// single index over the same documents.

import type { Query } from "./query.ts";
import type { SegmentIndex } from "./segment-index.ts";
import { terms } from "./tokenizer.ts";

/** Lucene's BM25 defaults. */
export const bm25 = { k1: 1.2, b: 0.75 } as const;

/** Per field: how many documents have it and their total length; per field and term: document frequency. */
export class GlobalStats {
  readonly fieldDocs = new Map<string, number>();
  readonly fieldLengthSum = new Map<string, number>();
  readonly documentFrequency = new Map<string, number>();

  /** Adds one index's statistics for the text terms `query` uses. */
  add(index: SegmentIndex, wanted: Map<string, Set<string>>): void {
    for (const [field, fieldTerms] of wanted) {
      const textField = index.text.get(field);
      if (!textField) continue;
      this.fieldDocs.set(field, (this.fieldDocs.get(field) ?? 0) + textField.lengths.size);
      this.fieldLengthSum.set(field, (this.fieldLengthSum.get(field) ?? 0) + textField.lengthSum);
      for (const term of fieldTerms) {
        const postings = textField.terms.get(term);
        if (postings) this.documentFrequency.set(key(field, term), (this.documentFrequency.get(key(field, term)) ?? 0) + postings.docs.length);
      }
    }
  }

  /** ln(1 + (N - n + 0.5) / (n + 0.5)) over all indexes; 0 for a term no document has. */
  idf(field: string, term: string): number {
    const documents = this.fieldDocs.get(field) ?? 0;
    const frequency = this.documentFrequency.get(key(field, term)) ?? 0;
    if (frequency === 0) return 0;
    return Math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5));
  }

  /** The BM25 weight of a term occurring `frequency` times in a field of `length` tokens. */
  termScore(field: string, idf: number, frequency: number, length: number): number {
    const documents = this.fieldDocs.get(field) ?? 0;
    const averageLength = documents === 0 ? 1 : (this.fieldLengthSum.get(field) ?? 0) / documents;
    const norm = bm25.k1 * (1 - bm25.b + (bm25.b * length) / averageLength);
    return (idf * frequency * (bm25.k1 + 1)) / (frequency + norm);
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
