// The automaton under @pm/@pmFromFile (aho-corasick.ts) and the rule prefilter's literal scan
// (engine/prefilter/literal-scanner.ts): an Aho-Corasick trie over ASCII case-folded bytes,
// turned into a full DFA over byte classes so that a search is one table step per input byte.
// Bytes that occur in no phrase share class 0, which keeps the table small. What each state
// reports (the longest phrase, a set of rules) is left to the user, who walks the states in
// breadth-first order: a state's failure target is shallower, so its facts are known first.

/** ASCII case folding (A-Z → a-z), as PCRE's C locale and libmodsecurity's acmp do it. */
export const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) FOLD[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;

export interface FoldedDfa {
  /** Byte → class (0: the byte is in no phrase). */
  readonly classOf: Uint8Array;
  readonly classes: number;
  readonly states: number;
  /** delta[state * classes + class] → next state. */
  readonly delta: Uint16Array | Int32Array;
  /** Every state, breadth first (the root first): states are numbered so, this is 0, 1, 2... */
  readonly order: Int32Array;
  /** The longest proper suffix of each state that is also a state. */
  readonly fail: Int32Array;
  /** The first phrase (by index) ending at each state, or -1; more via nextEnd. */
  readonly firstEnd: Int32Array;
  /** The next phrase ending at the same state as phrase i, or -1. */
  readonly nextEnd: Int32Array;
  /** The phrase that created each state, and the state's depth (to spell a match). */
  readonly creator: Int32Array;
  readonly depth: Int32Array;
  /** Phrases that are not empty (empty ones are ignored). */
  readonly phraseCount: number;
}

/** Builds the automaton of byte-string phrases; throws when states x classes exceeds maxCells. */
export function buildFoldedDfa(phrases: readonly string[], maxCells: number): FoldedDfa {
  let classes = 1;
  const folded = new Uint8Array(256);
  for (const p of phrases) {
    for (let i = 0; i < p.length; i++) {
      const f = FOLD[p.charCodeAt(i) & 0xff]!;
      if (folded[f] === 0) folded[f] = classes++;
    }
  }
  const classOf = new Uint8Array(256);
  for (let c = 0; c < 256; c++) classOf[c] = folded[FOLD[c]!]!;

  // The trie, with children in maps while it grows.
  const children: Array<Map<number, number>> = [new Map<number, number>()];
  const creator: number[] = [-1];
  const depth: number[] = [0];
  const ends: number[] = [-1];
  const nextEnd = new Int32Array(phrases.length).fill(-1);
  let phraseCount = 0;
  phrases.forEach((p, index) => {
    if (p.length === 0) return;
    phraseCount++;
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      const k = classOf[p.charCodeAt(i) & 0xff]!;
      let next = children[s]!.get(k);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        creator.push(index);
        depth.push(i + 1);
        ends.push(-1);
        children[s]!.set(k, next);
      }
      s = next;
    }
    nextEnd[index] = ends[s]!;
    ends[s] = index;
  });
  const states = children.length;
  if (states * classes > maxCells) throw new Error(`too many phrases (${states} automaton states x ${classes} byte classes)`);

  // States are numbered breadth first: the shallow ones, where a scan of ordinary text spends
  // most of its steps, then sit together at the start of the table (in cache), not scattered
  // over megabytes of it in phrase order.
  const bfs = new Int32Array(states);
  const rank = new Int32Array(states);
  let head = 0;
  let tail = 0;
  bfs[tail++] = 0;
  while (head < tail) {
    const s = bfs[head++]!;
    rank[s] = head - 1;
    for (let c = 0; c < classes; c++) {
      const child = children[s]!.get(c);
      if (child !== undefined) bfs[tail++] = child;
    }
  }

  const delta = states <= 0xffff ? new Uint16Array(states * classes) : new Int32Array(states * classes);
  const fail = new Int32Array(states);
  const order = new Int32Array(states);
  for (let i = 0; i < states; i++) order[i] = i;
  for (let i = 0; i < states; i++) {
    const s = bfs[i]!;
    const f = fail[i]!;
    for (let c = 0; c < classes; c++) {
      const child = children[s]!.get(c);
      if (child !== undefined) {
        const r = rank[child]!;
        fail[r] = i === 0 ? 0 : delta[f * classes + c]!;
        delta[i * classes + c] = r;
      } else {
        delta[i * classes + c] = i === 0 ? 0 : delta[f * classes + c]!;
      }
    }
  }
  const firstEnd = new Int32Array(states);
  const creatorOut = new Int32Array(states);
  const depthOut = new Int32Array(states);
  for (let i = 0; i < states; i++) {
    const s = bfs[i]!;
    firstEnd[i] = ends[s]!;
    creatorOut[i] = creator[s]!;
    depthOut[i] = depth[s]!;
  }
  return {
    classOf,
    classes,
    states,
    delta,
    order,
    fail,
    firstEnd,
    nextEnd,
    creator: creatorOut,
    depth: depthOut,
    phraseCount,
  };
}
