// Case-insensitive multi-phrase search over bytes for @pm and @pmFromFile: an Aho-Corasick
// automaton turned into a full DFA over byte classes, so a search is one table step per input
// byte, whatever the number of phrases. Bytes that occur in no phrase share one class, which
// keeps the table small (the biggest CRS list, php-errors.data, needs ~45k states x 66 classes).
//
// Like libmodsecurity's acmp, it folds ASCII letters only (tolower in the C locale) and stops
// at the first position where some phrase ends, reporting the longest phrase ending there,
// spelled as in the list. Unlike acmp it is a complete automaton: acmp's failure links look one
// level back only and can miss phrases (with "abcd", "bz", "cx", the text "abcx" holds "cx"), and
// acmp compares phrase bytes >= 0x80 as negative chars on x86 so they never match; both are
// libmodsecurity bugs, not behaviour to keep.

import { buildFoldedDfa, FOLD } from './folded-dfa.js';

/** Upper bound on states x classes (4 bytes each at most): a list beyond it is refused. */
const MAX_CELLS = 1 << 25;

export interface PhraseMatch {
  /** Offset just after the match. */
  readonly end: number;
  /** The phrase found, as written in the list (the first spelling, for case variants). */
  readonly phrase: string;
}

export class PhraseAutomaton {
  private readonly classOf: Uint8Array;
  private readonly classes: number;
  private readonly delta: Uint16Array | Int32Array;
  /** The longest phrase-ending state among a state's suffixes (itself included), or -1. */
  private readonly output: Int32Array;
  /** For each state: the phrase that created it and its depth, to spell the match. */
  private readonly creator: Int32Array;
  private readonly depth: Int32Array;
  private readonly phrases: readonly string[];
  /** The output state of the last successful firstEnd (read right after it). */
  private lastState = 0;
  readonly phraseCount: number;

  /** Phrases are byte strings; empty ones are ignored. Throws when the list is too large. */
  constructor(phrases: readonly string[]) {
    this.phrases = phrases;
    const dfa = buildFoldedDfa(phrases, MAX_CELLS);
    this.classOf = dfa.classOf;
    this.classes = dfa.classes;
    this.delta = dfa.delta;
    this.creator = dfa.creator;
    this.depth = dfa.depth;
    this.phraseCount = dfa.phraseCount;
    // Breadth first, so a state's failure target already has its output.
    this.output = new Int32Array(dfa.states).fill(-1);
    for (let i = 1; i < dfa.states; i++) {
      const st = dfa.order[i]!;
      this.output[st] = dfa.firstEnd[st]! >= 0 ? st : this.output[dfa.fail[st]!]!;
    }
  }

  /** The first phrase end in `text` (earliest end, longest phrase there), or null. */
  search(text: string): PhraseMatch | null {
    const end = this.firstEnd(text);
    if (end < 0) return null;
    return { end, phrase: this.spell(this.lastState) };
  }

  /** The non-empty phrases, ASCII case-folded (what a match needs one of). */
  foldedPhrases(): string[] {
    const out = new Set<string>();
    for (const p of this.phrases) {
      if (p.length === 0) continue;
      let f = '';
      for (let i = 0; i < p.length; i++) f += String.fromCharCode(FOLD[p.charCodeAt(i) & 0xff]!);
      out.add(f);
    }
    return [...out];
  }

  /** True when some phrase occurs in `text` (no allocation). */
  test(text: string): boolean {
    return this.firstEnd(text) >= 0;
  }

  private firstEnd(text: string): number {
    const { classOf, delta, output, classes } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      s = delta[s * classes + classOf[text.charCodeAt(i) & 0xff]!]!;
      const out = output[s]!;
      if (out >= 0) {
        this.lastState = out;
        return i + 1;
      }
    }
    return -1;
  }

  private spell(state: number): string {
    return this.phrases[this.creator[state]!]!.slice(0, this.depth[state]);
  }
}
