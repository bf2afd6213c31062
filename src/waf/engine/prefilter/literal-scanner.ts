// One pass over a value for the literals of many rules at once: an Aho-Corasick automaton made
// a full DFA over byte classes (as operators/aho-corasick.ts does for @pm), whose states carry
// the set of rules ("groups") with a literal ending there, failure suffixes included. A scan
// ORs those sets into a bit mask: bit g is set when some literal of group g occurs in the value,
// ASCII case-folded, anywhere (overlaps included).

/** Upper bound on states x classes (16 MB at most); beyond it the rule set gets no scanner. */
const MAX_CELLS = 1 << 23;

const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) FOLD[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;

export class LiteralScanner {
  /** 32-bit words of a mask. */
  readonly words: number;
  private readonly classOf = new Uint8Array(256);
  private readonly classes: number;
  private readonly delta: Uint16Array | Int32Array;
  /** Per state: 1 when some group ends here (its mask row is not all zero). */
  private readonly hasOutput: Uint8Array;
  /** Per state, `words` words: the groups with a literal ending at this state. */
  private readonly masks: Int32Array;
  private readonly full: Int32Array;

  /** groups[g]: the (already folded) literals of group g. Throws when the automaton would be too large. */
  constructor(groups: readonly (readonly string[])[]) {
    this.words = Math.max(1, Math.ceil(groups.length / 32));
    let classes = 1;
    const folded = new Uint8Array(256);
    for (const g of groups) {
      for (const lit of g) {
        for (let i = 0; i < lit.length; i++) {
          const f = FOLD[lit.charCodeAt(i) & 0xff]!;
          if (folded[f] === 0) folded[f] = classes++;
        }
      }
    }
    for (let c = 0; c < 256; c++) this.classOf[c] = folded[FOLD[c]!]!;
    this.classes = classes;

    const children: Array<Map<number, number>> = [new Map<number, number>()];
    const ends: number[][] = [[]];
    groups.forEach((g, group) => {
      for (const lit of g) {
        if (lit.length === 0) continue;
        let s = 0;
        for (let i = 0; i < lit.length; i++) {
          const k = this.classOf[lit.charCodeAt(i) & 0xff]!;
          let next = children[s]!.get(k);
          if (next === undefined) {
            next = children.length;
            children.push(new Map());
            ends.push([]);
            children[s]!.set(k, next);
          }
          s = next;
        }
        ends[s]!.push(group);
      }
    });
    const states = children.length;
    if (states * classes > MAX_CELLS) throw new Error(`too many literals (${states} states x ${classes} byte classes)`);
    this.delta = states <= 0xffff ? new Uint16Array(states * classes) : new Int32Array(states * classes);
    this.masks = new Int32Array(states * this.words);
    this.hasOutput = new Uint8Array(states);
    this.full = new Int32Array(this.words);
    for (let g = 0; g < groups.length; g++) this.full[g >>> 5]! |= 1 << (g & 31);
    this.build(children, ends);
  }

  /** Breadth-first, so a state's failure target (shallower) is complete when it is reached. */
  private build(children: ReadonlyArray<Map<number, number>>, ends: readonly number[][]): void {
    const k = this.classes;
    const w = this.words;
    const fail = new Int32Array(children.length);
    const queue = new Int32Array(children.length);
    let head = 0;
    let tail = 0;
    queue[tail++] = 0;
    while (head < tail) {
      const s = queue[head++]!;
      const f = fail[s]!;
      for (const g of ends[s]!) this.masks[s * w + (g >>> 5)]! |= 1 << (g & 31);
      if (s !== 0) for (let i = 0; i < w; i++) this.masks[s * w + i]! |= this.masks[f * w + i]!;
      for (let i = 0; i < w; i++) if (this.masks[s * w + i] !== 0) this.hasOutput[s] = 1;
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

  /** The groups with a literal in `text`, as a new mask of `words` words. */
  scan(text: string): Int32Array {
    const { classOf, delta, classes, hasOutput, masks, words } = this;
    const out = new Int32Array(words);
    let s = 0;
    let seen = 0;
    for (let i = 0; i < text.length; i++) {
      s = delta[s * classes + classOf[text.charCodeAt(i) & 0xff]!]!;
      if (hasOutput[s] === 1) {
        const base = s * words;
        for (let j = 0; j < words; j++) out[j]! |= masks[base + j]!;
        // Every group found: nothing more to learn from the rest of the value.
        if ((++seen & 7) === 0 && this.isFull(out)) return out;
      }
    }
    return out;
  }

  private isFull(mask: Int32Array): boolean {
    for (let j = 0; j < this.words; j++) if (mask[j] !== this.full[j]) return false;
    return true;
  }
}
