// The terms of a live text field (live-segment.ts): an open-addressing hash table of term
// numbers, looked up straight from the characters of the text being indexed, so a token that is
// already a term costs no string and no Map lookup of a fresh string. Terms are numbered in the
// order they were first added.

/** Slots of a new table; it doubles when half full. */
const initialSlots = 256;

/** FNV-1a over UTF-16 units, one step. */
function mix(hash: number, code: number): number {
  return Math.imul(hash ^ code, 0x01000193);
}

const hashSeed = 0x811c9dc5 | 0;

function hashOf(term: string): number {
  let hash = hashSeed;
  for (let i = 0; i < term.length; i++) hash = mix(hash, term.charCodeAt(i));
  return hash;
}

/** ASCII uppercase to lowercase; other units as they are. */
function lowerAscii(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

export class TermTable {
  /** Term number + 1 by slot; 0 for an empty slot. */
  #slots = new Int32Array(initialSlots);
  #hashes: number[] = [];
  /** The terms by number. */
  readonly terms: string[] = [];

  get size(): number {
    return this.terms.length;
  }

  /** The number of `term`, or -1 when it is not in the table. */
  find(term: string): number {
    const hash = hashOf(term);
    const mask = this.#slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.#slots[slot];
      if (entry === 0) return -1;
      if (this.#hashes[entry - 1] === hash && this.terms[entry - 1] === term) return entry - 1;
    }
  }

  /** The number of `term`, added when new. */
  intern(term: string): number {
    const hash = hashOf(term);
    const mask = this.#slots.length - 1;
    let slot = hash & mask;
    for (; ; slot = (slot + 1) & mask) {
      const entry = this.#slots[slot];
      if (entry === 0) break;
      if (this.#hashes[entry - 1] === hash && this.terms[entry - 1] === term) return entry - 1;
    }
    return this.#add(term, hash, slot);
  }

  /** The number of the term `text[start, end)` lowercased (ASCII), added when new. */
  internSpan(text: string, start: number, end: number): number {
    let hash = hashSeed;
    for (let at = start; at < end; at++) hash = mix(hash, lowerAscii(text.charCodeAt(at)));
    const mask = this.#slots.length - 1;
    const length = end - start;
    let slot = hash & mask;
    for (; ; slot = (slot + 1) & mask) {
      const entry = this.#slots[slot];
      if (entry === 0) break;
      if (this.#hashes[entry - 1] !== hash) continue;
      const term = this.terms[entry - 1];
      if (term.length !== length) continue;
      let same = true;
      for (let i = 0; i < length && same; i++) same = term.charCodeAt(i) === lowerAscii(text.charCodeAt(start + i));
      if (same) return entry - 1;
    }
    return this.#add(text.slice(start, end).toLowerCase(), hash, slot);
  }

  #add(term: string, hash: number, slot: number): number {
    const id = this.terms.length;
    this.terms.push(term);
    this.#hashes.push(hash);
    this.#slots[slot] = id + 1;
    if (2 * this.terms.length > this.#slots.length) this.#grow();
    return id;
  }

  #grow(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.#hashes.length; id++) {
      let slot = this.#hashes[id] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.#slots = slots;
  }
}
