// Transformation chains as a tree: every rule's chain is a path from the root, so rules whose
// chains share a prefix share its nodes (t:urlDecodeUni,t:lowercase is a child of
// t:urlDecodeUni). A transaction caches each node's result per value, so a value is run through
// a given chain step once per request, whatever the number of rules that need it.
import type { Transformation } from '../transformations/transformation.js';

export class ChainNode {
  readonly children = new Map<string, ChainNode>();
  /** Steps from the root: 0 for the root. */
  readonly depth: number;

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
}

/**
 * Per-transaction results: input value → its row. One map entry per distinct value, however
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
  ) {
    this.maxValues = maxValues;
  }

  /** The value after the whole chain ending at `node`. */
  apply(node: ChainNode, value: string): string {
    if (node.depth === 0) return value;
    const row = this.row(value);
    return row === undefined ? this.compute(node, value) : this.outputAt(row, node, value);
  }

  /** Forgets every value. */
  clear(): void {
    this.byValue.clear();
  }

  /** The value's row, made on first use; undefined once the cache is full. */
  row(value: string): ChainRow | undefined {
    let row = this.byValue.get(value);
    if (row === undefined) {
      if (this.byValue.size >= this.maxValues) return undefined;
      row = { outputs: new Array<string | undefined>(this.nodes), masks: undefined };
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
