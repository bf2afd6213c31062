// Case-insensitive lookup of words and two-word phrases straight from the input, without
// slicing or upper-casing (the hot path allocates nothing): an open-addressing hash table over
// FNV-1a of the ASCII-upper-cased bytes.

import { keywordEntries } from './keywords.js';
import { T_NONE } from './types.js';

const SPACE = 0x20;

function upper(c: number): number {
  return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

function hashStep(h: number, c: number): number {
  return Math.imul(h ^ upper(c), 0x01000193);
}

const FNV_SEED = 0x811c9dc5 | 0;

class WordTable {
  private readonly keys: string[] = [];
  private readonly types: number[] = [];
  private readonly flags: number[] = [];
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** No word is longer: longer input words are barewords without hashing. */
  readonly maxLen: number;

  constructor() {
    const entries = keywordEntries();
    let size = 64;
    while (size < entries.length * 3) size <<= 1;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    let maxLen = 0;
    for (const e of entries) {
      if (this.find(e.word, 0, e.word.length) >= 0) continue;
      const index = this.keys.length;
      this.keys.push(e.word);
      this.types.push(e.type);
      this.flags.push(e.flags);
      let slot = this.hashOf(e.word, 0, e.word.length) & this.mask;
      while (this.slots[slot] !== -1) slot = (slot + 1) & this.mask;
      this.slots[slot] = index;
      if (e.word.length > maxLen) maxLen = e.word.length;
    }
    this.maxLen = maxLen;
  }

  private hashOf(s: string, start: number, end: number): number {
    let h = FNV_SEED;
    for (let i = start; i < end; i++) h = hashStep(h, s.charCodeAt(i));
    return h;
  }

  /** Entry index of s[start, end), or -1. */
  find(s: string, start: number, end: number): number {
    const len = end - start;
    if (len <= 0 || len > this.maxLen) return -1;
    let slot = this.hashOf(s, start, end) & this.mask;
    for (;;) {
      const index = this.slots[slot] ?? -1;
      if (index < 0) return -1;
      const key = this.keys[index] ?? '';
      if (key.length === len && sameUpper(key, s, start)) return index;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Entry index of the phrase "a[a0, a1) b[b0, b1)" (one space between), or -1. */
  findPair(a: string, a0: number, a1: number, b: string, b0: number, b1: number): number {
    const len = a1 - a0 + 1 + b1 - b0;
    if (a1 <= a0 || b1 <= b0 || len > this.maxLen) return -1;
    let h = FNV_SEED;
    for (let i = a0; i < a1; i++) h = hashStep(h, a.charCodeAt(i));
    h = hashStep(h, SPACE);
    for (let i = b0; i < b1; i++) h = hashStep(h, b.charCodeAt(i));
    let slot = h & this.mask;
    const alen = a1 - a0;
    for (;;) {
      const index = this.slots[slot] ?? -1;
      if (index < 0) return -1;
      const key = this.keys[index] ?? '';
      if (key.length === len && key.charCodeAt(alen) === SPACE && sameUpperRange(key, 0, a, a0, alen) &&
        sameUpperRange(key, alen + 1, b, b0, b1 - b0)) return index;
      slot = (slot + 1) & this.mask;
    }
  }

  typeOf(index: number): number {
    return this.types[index] ?? T_NONE;
  }

  flagsOf(index: number): number {
    return this.flags[index] ?? 0;
  }

  /** The canonical upper-case text of an entry. */
  keyOf(index: number): string {
    return this.keys[index] ?? '';
  }
}

function sameUpper(key: string, s: string, start: number): boolean {
  return sameUpperRange(key, 0, s, start, key.length);
}

function sameUpperRange(key: string, k0: number, s: string, s0: number, len: number): boolean {
  for (let i = 0; i < len; i++) {
    if (key.charCodeAt(k0 + i) !== upper(s.charCodeAt(s0 + i))) return false;
  }
  return true;
}

/** The one table, built at module load. */
export const WORDS = new WordTable();
