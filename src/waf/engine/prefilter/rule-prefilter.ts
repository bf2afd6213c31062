// The rule prefilter: most rules cannot match most requests, and knowing it should cost less
// than asking each rule. An operator that declares literals (Operator.literals: @rx patterns'
// required factors, @pm phrases) needs one of them in the value it matches, after the rule's
// transformations. One scanner holds the literals of every such rule (a bit per rule), and a
// transaction scans each distinct transformed value once: its mask says which rules could match
// it. Most transformations change nothing in most values, so one scan of a value usually serves
// every chain.
//
// Two uses, both exact (a rule is never skipped when it could have matched):
// - per value: a value whose mask lacks the rule's bit is not handed to the operator, which
//   would have said "no" (a negated rule then matches, as it would have);
// - per rule: when every target of a non-negated rule is a stable variable (one no action can
//   change during the phase: ARGS, headers, the body...), each value of such a variable (a
//   slot) gets a rule mask: the rules reading the slot whose bit its literal mask has at the
//   chain step each reads it (SlotStep). The values' rule masks are ORed once per phase per
//   slot; a rule without its bit there in any of its slots cannot match, so it is not evaluated
//   at all (what an unmatched rule leaves behind is reset as usual). A multiMatch rule also
//   tries the value before each transformation, so there the masks at every step of its chain
//   count. A value's rule mask is kept in its chain row, which for short values outlives the
//   transaction (engine/value-memory.ts): a recurring header value costs one lookup.
import type { ChainCache, ChainNode, ChainRow, ChainTree, StepSkips } from '../transform-chain.js';
import { xpathExpression, type Rule, type Target } from '../rule.js';
import type { TransactionState } from '../transaction-state.js';
import type { Entry } from '../../variables/variable.js';
import { LiteralScanner } from './literal-scanner.js';
import { isCommonByte } from '../../regex/pcre-literals.js';

/**
 * Operators whose literals add up to more bytes than this are left to themselves: the big
 * @pmFromFile lists have their own automaton, and in the shared one they would make every
 * scan slower (a larger table, more cache misses) for little gain.
 */
const MAX_OPERATOR_LITERAL_BYTES = 8000;
/** Per-transaction bound on cached masks (beyond it masks are recomputed). */
const MAX_CACHED_MASKS = 20_000;

/** A stable variable (an XPath one with its expression) whose values a rule reads. */
export interface TargetSlot {
  readonly index: number;
  readonly target: Target;
}

export interface RulePrefilter {
  readonly word: number;
  readonly bit: number;
  /**
   * Set when the whole rule can be skipped: the stable variables of all its targets, and the
   * chain steps whose outputs the operator sees (the last one; every one for multiMatch).
   */
  readonly slots: readonly TargetSlot[] | undefined;
  readonly steps: readonly ChainNode[];
}

/**
 * Which chains leave which values alone. Each transformation that declares its trigger bytes
 * gets a bit; `byteBits[b]` holds the bits of the transformations byte b (in either case) may
 * set off anywhere in a value, `endBits[b]` those it may set off as the last byte (a
 * transformation's endTriggers), `nodeBits[n]` those on the path to chain node n, and `nodeOpaque[n]` is 1 when that
 * path has a transformation that may change any value (t:base64Decode, t:sha1...). A value
 * whose bytes set off nothing on a path comes out of it unchanged up to ASCII case, so its
 * mask there is the mask of the value itself (the scan folds case): one scan serves every such
 * chain.
 */
export class ChainEffects implements StepSkips {
  readonly byteBits = new Int32Array(256);
  readonly endBits = new Int32Array(256);
  readonly nodeBits: Int32Array;
  readonly nodeOpaque: Uint8Array;
  /** Per node: the bit of its own transformation (0 when it declares no trigger bytes). */
  readonly stepBits: Int32Array;

  constructor(chains: ChainTree) {
    const bits = new Map<string, number>();
    this.nodeBits = new Int32Array(chains.nodes.length);
    this.nodeOpaque = new Uint8Array(chains.nodes.length);
    this.stepBits = new Int32Array(chains.nodes.length);
    // Nodes are created parent first, so a parent's facts are known when its child is reached.
    for (const node of chains.nodes) {
      const t = node.transformation;
      if (!t || !node.parent) continue;
      let own = 0;
      let opaque = false;
      if (t.triggers !== undefined) {
        let bit = bits.get(t.name);
        if (bit === undefined && bits.size < 31) {
          bit = 1 << bits.size;
          bits.set(t.name, bit);
          markBytes(this.byteBits, t.triggers, bit);
          if (t.endTriggers !== undefined) markBytes(this.endBits, t.endTriggers, bit);
        }
        if (bit === undefined) opaque = true;
        else own = bit;
      } else if (!t.caseOnly) {
        opaque = true;
      }
      this.stepBits[node.id] = own;
      this.nodeBits[node.id] = this.nodeBits[node.parent.id]! | own;
      this.nodeOpaque[node.id] = opaque || this.nodeOpaque[node.parent.id] === 1 ? 1 : 0;
    }
  }

  /** The bits of the transformations some byte of `value` may set off. */
  bitsOf(value: string): number {
    const table = this.byteBits;
    let out = 0;
    for (let i = 0; i < value.length; i++) out |= table[value.charCodeAt(i) & 0xff]!;
    if (value.length > 0) out |= this.endBits[value.charCodeAt(value.length - 1) & 0xff]!;
    return out;
  }
}

/** Sets `bit` for each byte of `bytes` in `table`, in both ASCII cases. */
function markBytes(table: Int32Array, bytes: string, bit: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i) & 0xff;
    table[c]! |= bit;
    // Both cases: a t:lowercase or t:uppercase before it may have turned one into the other.
    if (c >= 0x41 && c <= 0x5a) table[c + 0x20]! |= bit;
    if (c >= 0x61 && c <= 0x7a) table[c - 0x20]! |= bit;
  }
}

/** A chain node some rules of a slot read their values at, and those rules' bits. */
export interface SlotStep {
  readonly node: ChainNode;
  readonly rules: Int32Array;
}

export class Prefilters {
  constructor(
    readonly scanner: LiteralScanner,
    readonly slotCount: number,
    readonly effects: ChainEffects,
    /**
     * Per slot, the steps at which rules that may be skipped whole read its values: a value's
     * rule mask for the slot is the OR, over these steps, of its literal mask there ANDed with
     * the step's rules.
     */
    readonly slotSteps: ReadonlyArray<readonly SlotStep[]>,
  ) {}
}

function usableLiterals(rule: Rule, paranoia: number): readonly string[] | undefined {
  if (rule.unconditional || !rule.chainNode) return undefined;
  // Before the literals: an operator may work them out only when first asked (@rx).
  if (paranoiaOf(rule.chainHead) > paranoia) return undefined;
  const lits = rule.operator?.literals;
  if (!lits || lits.length === 0) return undefined;
  let bytes = 0;
  for (const l of lits) {
    // A letter, digit or common punctuation alone is in nearly every value (and would make the
    // scan stop at nearly every byte); the regex's own required-byte check is cheaper then.
    if (l.length === 1 && isCommonByte(l.charCodeAt(0))) return undefined;
    bytes += l.length;
  }
  return bytes <= MAX_OPERATOR_LITERAL_BYTES ? lits : undefined;
}

/** The CRS paranoia level a rule is tagged with (paranoia-level/N), 0 for none. */
function paranoiaOf(head: Rule): number {
  for (const t of head.tags) if (t.startsWith('paranoia-level/')) return Number(t.slice('paranoia-level/'.length)) || 0;
  return 0;
}

export interface PrefilterOptions {
  /**
   * The CRS paranoia level the rule set runs at, when known. Rules tagged with a higher one are
   * skipped by the CRS's own level checks, so their literals are left out of the shared scan
   * (a smaller automaton, a faster scan of every value); if a request raises the level, they
   * run unfiltered, as every rule without literals does.
   */
  readonly paranoia?: number;
}

/** Whether a target's values come from a stable variable, all of them (no count). */
function stableTarget(t: Target): boolean {
  return t.variable.stable === true && !t.ref.count;
}

function slotKey(t: Target): string {
  if (t.variable.kind !== 'xpath') return t.variable.name;
  return `${t.variable.name}:${xpathExpression(t)}`;
}

/**
 * Builds the scanner and each rule's prefilter (rule.prefilter) for a loaded rule set, or
 * returns undefined when no rule declares literals (or they are too many for one automaton).
 */
export function buildPrefilters(rules: Iterable<Rule>, chains: ChainTree, options: PrefilterOptions = {}): Prefilters | undefined {
  const paranoia = options.paranoia ?? Infinity;
  const filtered: Rule[] = [];
  const groups: Array<readonly string[]> = [];
  for (const head of rules) {
    for (let r: Rule | undefined = head; r; r = r.chainChild) {
      const lits = usableLiterals(r, paranoia);
      if (lits) {
        filtered.push(r);
        groups.push(lits);
      }
    }
  }
  if (filtered.length === 0) return undefined;
  let scanner: LiteralScanner;
  try {
    scanner = new LiteralScanner(groups);
  } catch {
    return undefined; // too many literals for one automaton: rules run unfiltered
  }
  const slots = new Map<string, TargetSlot>();
  filtered.forEach((rule, i) => {
    let ruleSlots: TargetSlot[] | undefined;
    if (!rule.negated && rule.targets.length > 0 && rule.targets.every(stableTarget)) {
      ruleSlots = [];
      for (const t of rule.targets) {
        const key = slotKey(t);
        let slot = slots.get(key);
        if (!slot) slots.set(key, (slot = { index: slots.size, target: t }));
        if (!ruleSlots.includes(slot)) ruleSlots.push(slot);
      }
    }
    const steps: ChainNode[] = [];
    if (rule.multiMatch) for (let n: ChainNode | undefined = rule.chainNode; n; n = n.parent) steps.push(n);
    else steps.push(rule.chainNode!);
    rule.prefilter = { word: i >>> 5, bit: 1 << (i & 31), slots: ruleSlots, steps };
  });
  const steps: Array<Map<ChainNode, Int32Array>> = Array.from({ length: slots.size }, () => new Map<ChainNode, Int32Array>());
  for (const rule of filtered) {
    const p = rule.prefilter!;
    for (const slot of p.slots ?? []) {
      for (const node of p.steps) {
        const at = steps[slot.index]!;
        let rules = at.get(node);
        if (rules === undefined) at.set(node, (rules = new Int32Array(scanner.empty.length)));
        rules[p.word]! |= p.bit;
      }
    }
  }
  const slotSteps = steps.map((m) => [...m].map(([node, rules]) => ({ node, rules })));
  return new Prefilters(scanner, slots.size, new ChainEffects(chains), slotSteps);
}

const NO_ENTRIES: readonly Entry[] = [];

/** All values of a slot's variable (every member of a collection, whatever the selector). */
function slotValues(tx: TransactionState, target: Target): readonly Entry[] | string {
  const v = target.variable;
  if (v.kind === 'scalar') return v.get(tx) ?? '';
  if (v.kind === 'xpath') return v.select(tx, xpathExpression(target));
  return v.entries(tx) ?? NO_ENTRIES;
}

/** The values of one stable variable in this phase, and the rules one of them may match. */
interface SlotData {
  /**
   * The OR of the values' rule masks for the slot (SlotStep): the rules reading this slot that
   * some value could match, by the literals it holds at the step the rule reads it.
   */
  readonly rules: Int32Array;
}

/** A transaction's masks: per transformed value, and per stable variable in a phase. */
export class PrefilterCache {
  private readonly masks = new Map<string, Int32Array>();
  private readonly slotData: Array<SlotData | undefined>;
  /** The indexes of `slotData` set this phase (a request sets a few). */
  private readonly setSlots: number[] = [];

  constructor(
    private readonly prefilters: Prefilters,
    private readonly chains: ChainCache,
  ) {
    // Allocated whole (not grown by index, which would turn it into a slow sparse array).
    this.slotData = new Array<SlotData | undefined>(prefilters.slotCount).fill(undefined);
  }

  /** Stable variables change between phases (the body is read before phase 2). */
  newPhase(): void {
    for (let i = 0; i < this.setSlots.length; i++) this.slotData[this.setSlots[i]!] = undefined;
    this.setSlots.length = 0;
  }

  /** Forgets every mask (the phase's tables too). */
  clear(): void {
    this.newPhase();
    this.masks.clear();
  }

  /** The mask of a value as the operator sees it (after the transformations). */
  maskOf(text: string): Int32Array {
    const hit = this.masks.get(text);
    if (hit !== undefined) return hit;
    const mask = this.prefilters.scanner.scan(text);
    if (this.masks.size < MAX_CACHED_MASKS) this.masks.set(text, mask);
    return mask;
  }

  /** Whether the operator could match this (transformed) value. */
  valueMayMatch(p: RulePrefilter, text: string): boolean {
    return (this.maskOf(text)[p.word]! & p.bit) !== 0;
  }

  /** Whether the operator could match `value` after the chain ending at `node` (the value's row, when at hand). */
  mayMatchAt(p: RulePrefilter, node: ChainNode, value: string, row?: ChainRow): boolean {
    const mask = row !== undefined && node.depth > 0 ? this.maskIn(row, node, value) : this.maskAt(node, value);
    return (mask[p.word]! & p.bit) !== 0;
  }

  /**
   * The mask of `value` after the chain ending at `node`, kept in the value's chain row: no
   * lookup of the transformed text, which is a new string (hashed anew) at every node that
   * changes it. A node that leaves its input as it is shares its parent's mask.
   */
  maskAt(node: ChainNode, value: string): Int32Array {
    if (node.depth === 0) return this.maskOf(value);
    const row = this.chains.row(value);
    if (row === undefined) {
      const out = this.chains.compute(node, value);
      return out === value ? this.maskOf(value) : this.prefilters.scanner.scan(out);
    }
    return this.maskIn(row, node, value);
  }

  private maskIn(row: ChainRow, node: ChainNode, value: string): Int32Array {
    const masks = (row.masks ??= new Array<Int32Array | undefined>(row.outputs.length));
    let m = masks[node.id];
    if (m !== undefined) return m;
    const out = this.chains.outputAt(row, node, value);
    const parent = node.parent!;
    if (out === value) m = this.ownMask(value, row);
    else if (parent.depth > 0 && this.chains.outputAt(row, parent, value) === out) m = this.maskIn(row, parent, value);
    else m = twinMask(row, node, out) ?? this.prefilters.scanner.scan(out);
    masks[node.id] = m;
    return m;
  }

  /** False when no value of any of the rule's targets can match (p.slots must be set). */
  ruleMayMatch(tx: TransactionState, p: RulePrefilter): boolean {
    const slots = p.slots!;
    for (let i = 0; i < slots.length; i++) if ((this.dataOf(tx, slots[i]!).rules[p.word]! & p.bit) !== 0) return true;
    return false;
  }

  private dataOf(tx: TransactionState, slot: TargetSlot): SlotData {
    let d = this.slotData[slot.index];
    if (d === undefined) {
      const found = slotValues(tx, slot.target);
      const empty = this.prefilters.scanner.empty;
      let rules = empty;
      if (typeof found === 'string') rules = or(rules, this.ruleMask(slot.index, found), empty);
      else for (let i = 0; i < found.length; i++) rules = or(rules, this.ruleMask(slot.index, found[i]!.value), empty);
      this.slotData[slot.index] = d = { rules };
      this.setSlots.push(slot.index);
    }
    return d;
  }

  /**
   * The rules of a slot a value could match (SlotStep), kept in the value's row: a value that
   * recurs (engine/value-memory.ts) costs one lookup, whatever the number of rules and steps.
   */
  private ruleMask(slot: number, value: string): Int32Array {
    const row = this.chains.row(value);
    if (row !== undefined) {
      const bySlot = (row.slotRules ??= new Array<Int32Array | undefined>(this.prefilters.slotCount).fill(undefined));
      return (bySlot[slot] ??= this.computeRuleMask(slot, value, row));
    }
    return this.computeRuleMask(slot, value, undefined);
  }

  private computeRuleMask(slot: number, value: string, row: ChainRow | undefined): Int32Array {
    const steps = this.prefilters.slotSteps[slot]!;
    const empty = this.prefilters.scanner.empty;
    const effects = this.prefilters.effects;
    let bits = -1;
    let own: Int32Array | undefined;
    let out = empty;
    for (let i = 0; i < steps.length; i++) {
      const { node, rules } = steps[i]!;
      // Untouched by the whole chain (up to case) when no byte of the value sets off a step of
      // it: the value's own mask holds.
      let untouched = node.depth === 0;
      if (!untouched && effects.nodeOpaque[node.id] === 0) {
        if (bits < 0) bits = row === undefined ? effects.bitsOf(value) : row.bits >= 0 ? row.bits : (row.bits = effects.bitsOf(value));
        untouched = (bits & effects.nodeBits[node.id]!) === 0;
      }
      const m = untouched ? (own ??= this.ownMask(value, row)) : row === undefined ? this.maskAt(node, value) : this.maskIn(row, node, value);
      if (m === empty) continue;
      for (let w = 0; w < m.length; w++) {
        const hit = m[w]! & rules[w]!;
        if (hit === 0) continue;
        if (out === empty) out = new Int32Array(empty.length);
        out[w]! |= hit;
      }
    }
    return out;
  }

  /** The mask of the value itself, in its row when it has one. */
  private ownMask(value: string, row: ChainRow | undefined): Int32Array {
    if (row === undefined) return this.maskOf(value);
    const masks = (row.masks ??= new Array<Int32Array | undefined>(row.outputs.length));
    return (masks[0] ??= this.maskOf(value));
  }
}

/** The mask of a twin node (same transformation) whose output is this very string, if known. */
function twinMask(row: ChainRow, node: ChainNode, out: string): Int32Array | undefined {
  const masks = row.masks!;
  for (const twin of node.twins) {
    const m = masks[twin.id];
    if (m !== undefined && row.outputs[twin.id] === out) return m;
  }
  return undefined;
}

/**
 * `acc` ORed with `m`, written into `acc` unless `acc` is the shared empty mask (a new mask is
 * made then). Masks found in caches are never written to.
 */
function or(acc: Int32Array, m: Int32Array, empty: Int32Array): Int32Array {
  if (m === empty) return acc;
  if (acc === empty) return m.slice();
  for (let w = 0; w < acc.length; w++) acc[w]! |= m[w]!;
  return acc;
}
