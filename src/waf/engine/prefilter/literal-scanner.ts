// One pass over a value for the literals of many rules at once: the case-folded automaton of
// operators/folded-dfa.ts (the one under @pm), whose states carry the set of rules ("groups")
// with a literal ending there, failure suffixes included. A scan ORs those sets into a bit mask:
// bit g is set when some literal of group g occurs in the value, ASCII case-folded, anywhere
// (overlaps included).
import { buildFoldedDfa } from '../../operators/folded-dfa.js';

/** Upper bound on states x classes (16 MB at most); beyond it the rule set gets no scanner. */
const MAX_CELLS = 1 << 23;

export class LiteralScanner {
  /** 32-bit words of a mask. */
  readonly words: number;
  private readonly classOf: Uint8Array;
  private readonly classes: number;
  private readonly delta: Uint16Array | Int32Array;
  /** Per state: 1 when some group ends here (its mask row is not all zero). */
  private readonly hasOutput: Uint8Array;
  /** Per state, `words` words: the groups with a literal ending at this state or a suffix of it. */
  private readonly masks: Int32Array;
  private readonly full: Int32Array;

  /** groups[g]: the (already folded) literals of group g. Throws when the automaton would be too large. */
  constructor(groups: readonly (readonly string[])[]) {
    const w = (this.words = Math.max(1, Math.ceil(groups.length / 32)));
    const literals: string[] = [];
    const groupOf: number[] = [];
    groups.forEach((g, group) => {
      for (const lit of g) {
        literals.push(lit);
        groupOf.push(group);
      }
    });
    const dfa = buildFoldedDfa(literals, MAX_CELLS);
    this.classOf = dfa.classOf;
    this.classes = dfa.classes;
    this.delta = dfa.delta;
    this.masks = new Int32Array(dfa.states * w);
    this.hasOutput = new Uint8Array(dfa.states);
    // Breadth first, so a state's failure target already has its mask.
    for (let i = 1; i < dfa.states; i++) {
      const st = dfa.order[i]!;
      const f = dfa.fail[st]!;
      for (let lit = dfa.firstEnd[st]!; lit >= 0; lit = dfa.nextEnd[lit]!) this.masks[st * w + (groupOf[lit]! >>> 5)]! |= 1 << (groupOf[lit]! & 31);
      for (let j = 0; j < w; j++) {
        this.masks[st * w + j]! |= this.masks[f * w + j]!;
        if (this.masks[st * w + j] !== 0) this.hasOutput[st] = 1;
      }
    }
    this.full = new Int32Array(w);
    this.empty = new Int32Array(w);
    for (let g = 0; g < groups.length; g++) this.full[g >>> 5]! |= 1 << (g & 31);
  }

  /**
   * The mask of a value without any literal, shared: most values are such, and callers can skip
   * them by identity. Masks from scan() are never written to by their users.
   */
  readonly empty: Int32Array;

  /** The groups with a literal in `text`, as a mask of `words` words (`empty` when none). */
  scan(text: string): Int32Array {
    const { classOf, delta, classes, hasOutput, masks, words } = this;
    let out = this.empty;
    let s = 0;
    let seen = 0;
    for (let i = 0; i < text.length; i++) {
      s = delta[s * classes + classOf[text.charCodeAt(i) & 0xff]!]!;
      if (hasOutput[s] === 1) {
        if (out === this.empty) out = new Int32Array(words);
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
