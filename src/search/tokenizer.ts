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

/** ASCII letters, digits and "_" by char code; everything else below 128 separates words. */
const asciiWordChar = new Uint8Array(128).map((_, code) => (/[A-Za-z0-9_]/.test(String.fromCharCode(code)) ? 1 : 0));
const nonAsciiWordChar = /^[\p{L}\p{N}\p{M}]$/u;
const asciiOnly = /^[\x00-\x7f]*$/;

function fold(word: string): string {
  // NFD splits "é" into "e" + a combining mark; the marks are then dropped.
  return word.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
}

function isWordAt(text: string, at: number): { word: boolean; width: number } {
  const code = text.charCodeAt(at);
  if (code < 128) return { word: asciiWordChar[code] === 1, width: 1 };
  const point = text.codePointAt(at)!;
  const char = String.fromCodePoint(point);
  return { word: nonAsciiWordChar.test(char), width: char.length };
}

/**
 * The tokens of `text` with positions and spans, at most fieldTokensMax. A hand-written scan
 * rather than a regular expression: indexing spends most of its time here, and ASCII text
 * (the common case) needs only a lowercase, not Unicode normalisation.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const length = text.length;
  // Lowercasing ASCII keeps every character where it was, so spans still point into `text`.
  const lower = asciiOnly.test(text) ? text.toLowerCase() : null;
  let at = 0;
  while (at < length && tokens.length < fieldTokensMax) {
    const code = text.charCodeAt(at);
    if (code < 128 ? asciiWordChar[code] === 0 : !isWordAt(text, at).word) {
      at += code < 128 ? 1 : isWordAt(text, at).width;
      continue;
    }
    const start = at;
    let ascii = true;
    while (at < length) {
      const next = text.charCodeAt(at);
      if (next < 128) {
        if (asciiWordChar[next] === 0) break;
        at++;
        continue;
      }
      const { word, width } = isWordAt(text, at);
      if (!word) break;
      ascii = false;
      at += width;
    }
    const end = Math.min(at, start + tokenCharsMax);
    const term = lower !== null ? lower.slice(start, end) : ascii ? text.slice(start, end).toLowerCase() : fold(text.slice(start, at)).slice(0, tokenCharsMax);
    if (term !== "") tokens.push({ term, position: tokens.length, start, end: at });
  }
  return tokens;
}

/**
 * Just the terms of `text`, in order: tokenize's terms. Indexing calls this for every value, so
 * ASCII text (the common case) is scanned here without building Token objects.
 */
export function terms(text: string): string[] {
  const found: string[] = [];
  const length = text.length;
  let lower: string | null = null;
  let start = -1;
  for (let at = 0; at <= length; at++) {
    const code = at < length ? text.charCodeAt(at) : 32;
    if (code >= 128) return tokenize(text).map((token) => token.term);
    if (asciiWordChar[code] === 1) {
      if (start < 0) start = at;
      continue;
    }
    if (start < 0) continue;
    if (found.length >= fieldTokensMax) return found;
    lower ??= text.toLowerCase();
    found.push(lower.slice(start, Math.min(at, start + tokenCharsMax)));
    start = -1;
  }
  return found;
}

/**
 * The spans of the first `room` terms of `text` into `spans` (start, end, start, end, …; each
 * end already cut at tokenCharsMax), without making their strings: what terms() would return,
 * as [start, end) of `text` lowercased. Returns the number of terms, or -1 when `text` is not
 * ASCII (terms() then folds it). `spans` holds at least 2 · room numbers.
 */
export function asciiTermSpans(text: string, room: number, spans: Int32Array): number {
  const length = text.length;
  let count = 0;
  let start = -1;
  for (let at = 0; at <= length; at++) {
    const code = at < length ? text.charCodeAt(at) : 32;
    if (code >= 128) return -1;
    if (asciiWordChar[code] === 1) {
      if (start < 0) start = at;
      continue;
    }
    if (start < 0) continue;
    if (count >= room) return count;
    spans[2 * count] = start;
    spans[2 * count + 1] = Math.min(at, start + tokenCharsMax);
    count++;
    start = -1;
  }
  return count;
}
