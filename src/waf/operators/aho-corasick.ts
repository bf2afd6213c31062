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

/** Upper bound on states x classes (4 bytes each at most): a list beyond it is refused. */
const MAX_CELLS = 1 << 25;

const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) FOLD[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;

export interface PhraseMatch {
  /** Offset just after the match. */
  readonly end: number;
  /** The phrase found, as written in the list (the first spelling, for case variants). */
  readonly phrase: string;
}

export class PhraseAutomaton {
  /** Byte -> class (0: the byte is in no phrase). */
  private readonly classOf = new Uint8Array(256);
  private readonly classes: number;
  /** delta[state * classes + class] -> next state. */
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
    // Byte classes: one per distinct (folded) byte used by the phrases.
    let classes = 1;
    const folded = new Uint8Array(256);
    for (const p of phrases) {
      for (let i = 0; i < p.length; i++) {
        const f = FOLD[p.charCodeAt(i) & 0xff]!;
        if (folded[f] === 0) folded[f] = classes++;
      }
    }
    for (let c = 0; c < 256; c++) this.classOf[c] = folded[FOLD[c]!]!;
    this.classes = classes;

    // The trie, with children in maps while it grows.
    const children: Array<Map<number, number>> = [new Map<number, number>()];
    const creator: number[] = [-1];
    const depth: number[] = [0];
    const terminal: boolean[] = [false];
    let count = 0;
    phrases.forEach((p, index) => {
      if (p.length === 0) return;
      count++;
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const k = this.classOf[p.charCodeAt(i) & 0xff]!;
        let next = children[s]!.get(k);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          creator.push(index);
          depth.push(i + 1);
          terminal.push(false);
          children[s]!.set(k, next);
        }
        s = next;
      }
      terminal[s] = true;
    });
    this.phraseCount = count;
    const states = children.length;
    if (states * classes > MAX_CELLS) {
      throw new Error(`phrase list too large (${states} automaton states x ${classes} byte classes)`);
    }
    this.delta = states <= 0xffff ? new Uint16Array(states * classes) : new Int32Array(states * classes);
    this.output = new Int32Array(states).fill(-1);
    this.creator = Int32Array.from(creator);
    this.depth = Int32Array.from(depth);
    this.build(children, terminal);
  }

  /** Breadth-first: a state's failure target is shallower, so its row is already complete. */
  private build(children: ReadonlyArray<Map<number, number>>, terminal: readonly boolean[]): void {
    const k = this.classes;
    const fail = new Int32Array(children.length);
    const queue = new Int32Array(children.length);
    let head = 0;
    let tail = 0;
    queue[tail++] = 0;
    while (head < tail) {
      const s = queue[head++]!;
      const f = fail[s]!;
      this.output[s] = terminal[s] ? s : s === 0 ? -1 : this.output[f]!;
      for (let c = 0; c < k; c++) {
        const child = children[s]!.get(c);
        if (child !== undefined) {
          fail[child] = s === 0 ? 0 : this.delta[f * k + c]!;
          this.delta[s * k + c] = child;
          queue[tail++] = child;
        } else {
          this.delta[s * k + c] = s === 0 ? 0 : this.delta[f * k + c]!;
        }
      }
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
