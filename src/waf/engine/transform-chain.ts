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
  ) {
    this.depth = parent ? parent.depth + 1 : 0;
  }
}

export class ChainTree {
  readonly root: ChainNode;
  readonly nodes: ChainNode[] = [];

  constructor() {
    this.root = new ChainNode(0, undefined, undefined);
    this.nodes.push(this.root);
  }

  /** The node at the end of `chain` (the root for an empty chain). */
  nodeFor(chain: readonly Transformation[]): ChainNode {
    let node = this.root;
    for (const t of chain) {
      let next = node.children.get(t.name);
      if (!next) {
        next = new ChainNode(this.nodes.length, t, node);
        node.children.set(t.name, next);
        this.nodes.push(next);
      }
      node = next;
    }
    return node;
  }
}

/** Per-transaction results: node id → (input value → output of the chain up to that node). */
export class ChainCache {
  private readonly maps: Array<Map<string, string> | undefined>;
  /** Entries kept in all; past the bound, results are computed without being kept. */
  private size = 0;

  constructor(
    nodes: number,
    private readonly maxEntries = 50_000,
  ) {
    this.maps = new Array<Map<string, string> | undefined>(nodes);
  }

  /** The value after the whole chain ending at `node`. */
  apply(node: ChainNode, value: string): string {
    if (node.depth === 0) return value;
    let map = this.maps[node.id];
    const hit = map?.get(value);
    if (hit !== undefined) return hit;
    const before = this.apply(node.parent!, value);
    const out = node.transformation!.transform(before);
    if (this.size < this.maxEntries) {
      if (!map) this.maps[node.id] = map = new Map();
      map.set(value, out);
      this.size++;
    }
    return out;
  }
}
