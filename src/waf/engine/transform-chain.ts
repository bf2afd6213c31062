// Transformation chains as a tree: every rule's chain is a path from the root, so rules whose
// chains share a prefix share its nodes (t:urlDecodeUni,t:lowercase is a child of
// t:urlDecodeUni). A transaction caches each node's result per value, so a value is run through
// a given chain step once per request, whatever the number of rules that need it.
import type { Transformation } from '../transformations/transformation.js';
import type { ValueMemory } from './value-memory.js';

export class ChainNode {
  readonly children = new Map<string, ChainNode>();
  /** Steps from the root: 0 for the root. */
  readonly depth: number;
  /** The nodes from the root's child down to this one: one per transformation, in order. */
  readonly path: readonly ChainNode[];

  /**
   * The transformation turns "" into "" (every decoder and normaliser does; t:length and the
   * hashes do not): a value emptied earlier in the chain (t:base64Decode of text that is not
   * base64) stays empty without a call.
   */
  readonly keepsEmpty: boolean;

  constructor(
    /** Index in the rule set's node list (per-transaction caches are indexed by it). */
    readonly id: number,
    readonly transformation: Transformation | undefined,
    readonly parent: ChainNode | undefined,
    /**
     * Every node of the tree with the same transformation, this one included (one array shared
     * by them all). Different chains often hand a value to the same step unchanged
     * (t:urlDecodeUni,t:removeWhitespace and t:urlDecodeUni,t:jsDecode,t:removeWhitespace, for a
     * value without a backslash), and the step's output is then taken from a twin's.
     */
    readonly twins: ChainNode[],
  ) {
    this.depth = parent ? parent.depth + 1 : 0;
    this.path = parent ? [...parent.path, this] : [];
    this.keepsEmpty = transformation !== undefined && transformation.transform('') === '';
    twins.push(this);
  }
}

export class ChainTree {
  readonly root: ChainNode;
  readonly nodes: ChainNode[] = [];
  private readonly byTransformation = new Map<string, ChainNode[]>();

  constructor() {
    this.root = new ChainNode(0, undefined, undefined, []);
    this.nodes.push(this.root);
  }

  /** The node at the end of `chain` (the root for an empty chain). */
  nodeFor(chain: readonly Transformation[]): ChainNode {
    let node = this.root;
    for (const t of chain) {
      let next = node.children.get(t.name);
      if (!next) {
        let twins = this.byTransformation.get(t.name);
        if (!twins) this.byTransformation.set(t.name, (twins = []));
        next = new ChainNode(this.nodes.length, t, node, twins);
        node.children.set(t.name, next);
        this.nodes.push(next);
      }
      node = next;
    }
    return node;
  }
}

/**
 * One value's results, indexed by node id: its output at each node, and the prefilter's literal
 * mask of that output (engine/prefilter/), kept here so that one lookup of the value serves both.
 */
export interface ChainRow {
  readonly outputs: Array<string | undefined>;
  masks: Array<Int32Array | undefined> | undefined;
  /** The value's StepSkips bits, -1 until needed. */
  bits: number;
  /**
   * Bit Rule.memo set: the rule's (pure) operator did not match the value's output at the
   * rule's chain node. Undefined until one did not.
   */
  misses: Int32Array | undefined;
  /** Per prefilter slot, the rules of the slot the value could match (prefilter/rule-prefilter.ts). */
  slotRules: Array<Int32Array | undefined> | undefined;
}

/** An empty row for a value, with a slot per chain node. */
export function newChainRow(nodes: number): ChainRow {
  return { outputs: new Array<string | undefined>(nodes), masks: undefined, bits: -1, misses: undefined, slotRules: undefined };
}

/**
 * What lets a row skip the steps that cannot change its value: the prefilter's facts about
 * which bytes set off which transformations (prefilter/rule-prefilter.ts, ChainEffects).
 */
export interface StepSkips {
  /** Per node: the bit of its transformation in bitsOf, 0 when it declares no trigger bytes. */
  readonly stepBits: Int32Array;
  /** The bits of the transformations some byte of `value` may set off. */
  bitsOf(value: string): number;
}

/**
 * Per-transaction results: input value → its row (short values' rows come from the rule
 * set's ValueMemory, shared across transactions). One map entry per distinct value, however
 * many chains it goes through: a big JSON body has hundreds of values and dozens of chains, and
 * a map entry per (value, node) cost more than the transformations themselves, most of which
 * change nothing.
 */
export class ChainCache {
  private readonly byValue = new Map<string, ChainRow>();
  /** Values kept; past the bound, results are computed without being kept. */
  private readonly maxValues: number;

  constructor(
    private readonly nodes: number,
    maxValues = 5_000,
    private readonly skips?: StepSkips,
    /** Rows of short values, shared with other transactions (value-memory.ts). */
    private readonly shared?: ValueMemory,
  ) {
    this.maxValues = maxValues;
  }

  /** The value after the whole chain ending at `node`. */
  apply(node: ChainNode, value: string): string {
    if (node.depth === 0) return value;
    const row = this.row(value);
    return row === undefined ? this.compute(node, value) : this.outputAt(row, node, value);
  }

  /** Forgets every value of this transaction (the shared rows stay). */
  clear(): void {
    this.byValue.clear();
  }

  /** The value's row, made on first use; undefined once the cache is full. */
  row(value: string): ChainRow | undefined {
    const shared = this.shared?.row(value);
    if (shared !== undefined) return shared;
    let row = this.byValue.get(value);
    if (row === undefined) {
      if (this.byValue.size >= this.maxValues) return undefined;
      row = newChainRow(this.nodes);
      this.byValue.set(value, row);
    }
    return row;
  }

  /** The output at `node` of the value whose row this is. */
  outputAt(row: ChainRow, node: ChainNode, value: string): string {
    if (node.depth === 0) return value;
    const outputs = row.outputs;
    const hit = outputs[node.id];
    if (hit !== undefined) return hit;
    const before = node.depth === 1 ? value : this.outputAt(row, node.parent!, value);
    // Steps that cannot change their input are not run: an empty input of a step that keeps
    // it empty, and the value itself (unchanged so far) when it holds none of the step's
    // trigger bytes, which the transformation declares exactly (test/waf-transformations).
    if (before === '' && node.keepsEmpty) {
      outputs[node.id] = before;
      return before;
    }
    const skips = this.skips;
    if (skips !== undefined && before === value) {
      const bit = skips.stepBits[node.id]!;
      if (bit !== 0) {
        if (row.bits < 0) row.bits = skips.bitsOf(value);
        if ((row.bits & bit) === 0) {
          outputs[node.id] = before;
          return before;
        }
      }
    }
    const twins = node.twins;
    for (let i = 0; i < twins.length; i++) {
      // A twin that already ran the same step on the same input (an output is only kept once
      // its parent's is).
      const twin = twins[i]!;
      const done = outputs[twin.id];
      if (done !== undefined && (twin.depth === 1 ? value : outputs[twin.parent!.id]) === before) {
        outputs[node.id] = done;
        return done;
      }
    }
    const out = node.transformation!.transform(before);
    outputs[node.id] = out;
    return out;
  }

  /** The output at `node`, computed without being kept. */
  compute(node: ChainNode, value: string): string {
    return node.depth === 0 ? value : node.transformation!.transform(this.compute(node.parent!, value));
  }
}
