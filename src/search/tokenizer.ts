// Text analysis shared by indexing and querying: lowercase, fold diacritics, split on anything
// that is not a letter, digit or underscore. The same function runs on both sides, so a query
// term matches exactly the tokens its text would have produced in a document.

/** A token and where it sits in its text: its position among tokens and its character span. */
export interface Token {
  term: string;
  position: number;
  start: number;
  end: number;
}

/** Longest token kept; longer runs (base64 blobs, hashes) are cut, so one value cannot bloat the index. */
export const tokenCharsMax = 64;
/** Tokens indexed per field of one document; the rest of a huge text is not indexed. */
export const fieldTokensMax = 10_000;

const wordPattern = /[\p{L}\p{N}_]+/gu;

function fold(word: string): string {
  // NFD splits "é" into "e" + a combining mark; the marks are then dropped.
  return word.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
}

/** The tokens of `text` with positions and spans, at most fieldTokensMax. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(wordPattern)) {
    if (tokens.length >= fieldTokensMax) break;
    const term = fold(match[0]).slice(0, tokenCharsMax);
    if (term === "") continue;
    tokens.push({ term, position: tokens.length, start: match.index, end: match.index + match[0].length });
  }
  return tokens;
}

/** Just the terms of `text`, in order. */
export function terms(text: string): string[] {
  return tokenize(text).map((token) => token.term);
}
