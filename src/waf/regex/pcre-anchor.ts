// PCRE's "dotstar anchor": a pattern whose every top-level branch starts with .* (under DOTALL)
// can only match at the start of the subject, because a match found later could be extended
// back to the start by the same .*; PCRE therefore tries the start only. V8 does not, and
// without it shapes like `.*\.php\.*$` take quadratic time (every start position rescans the
// rest). The same holds for any unbounded repeat of a set holding every byte, greedy or lazy.
// It does not hold when a back reference could see the repeated text (PCRE has the same rule).
import { ByteSet } from './byte-set.js';
import type { ParsedPcre, PcreNode } from './pcre-ast.js';

export function isDotStarAnchored(parsed: ParsedPcre): boolean {
  return !parsed.hasBackrefs && startsWithAnyStar(parsed.root);
}

function startsWithAnyStar(node: PcreNode): boolean {
  switch (node.kind) {
    case 'repeat':
      return node.max === Infinity && node.body.kind === 'set' && node.body.set.isFull();
    case 'seq':
      return node.items.length > 0 && startsWithAnyStar(node.items[0]!);
    case 'alt':
      return node.branches.every(startsWithAnyStar);
    case 'group':
      return startsWithAnyStar(node.body);
    default:
      return false;
  }
}

// Run-start anchoring, for the other common quadratic shape: a branch that starts with an
// unbounded repeat of a set, `[a-z]+(...)`. A search that fails at a position inside a run of
// that set fails at every later position of the run too, and V8 retries them all: the whole run
// is rescanned from each of its positions. But a match starting inside a run can always start
// one byte earlier (the repeat takes one more byte, with the same continuation), so the leftmost
// match starts where the run starts. Each such branch is therefore prefixed with "not right after
// a byte of the set" — the same leftmost match and captures, tried once per run. Not for
// repeated (global) matching, where a match may legitimately start right after the previous one.
export function anchorRunStarts(parsed: ParsedPcre): ParsedPcre | undefined {
  if (parsed.hasBackrefs) return undefined;
  const root = parsed.root;
  if (root.kind === 'alt') {
    let changed = false;
    const branches = root.branches.map((b) => {
      const n = withRunStart(b);
      if (n) changed = true;
      return n ?? b;
    });
    return changed ? { ...parsed, root: { kind: 'alt', branches } } : undefined;
  }
  const n = withRunStart(root);
  return n ? { ...parsed, root: n } : undefined;
}

/** The repeat a branch starts with, and what follows it in the branch. */
function leadingRun(node: PcreNode): { set: PcreNode & { kind: 'set' }; rest: PcreNode[] } | undefined {
  if (node.kind === 'repeat') {
    return node.max === Infinity && node.body.kind === 'set' && !node.possessive ? { set: node.body, rest: [] } : undefined;
  }
  if (node.kind === 'seq' && node.items.length > 0) {
    const head = leadingRun(node.items[0]!);
    return head ? { set: head.set, rest: [...head.rest, ...node.items.slice(1)] } : undefined;
  }
  return undefined;
}

/** Bytes a match of `node` can start with, and whether it can match empty. */
function firstBytes(node: PcreNode): { set: ByteSet; nullable: boolean } {
  switch (node.kind) {
    case 'set':
      return { set: node.set, nullable: false };
    case 'seq': {
      const set = new ByteSet();
      for (const item of node.items) {
        const f = firstBytes(item);
        set.addSet(f.set);
        if (!f.nullable) return { set, nullable: false };
      }
      return { set, nullable: true };
    }
    case 'alt': {
      const set = new ByteSet();
      let nullable = false;
      for (const b of node.branches) {
        const f = firstBytes(b);
        set.addSet(f.set);
        nullable ||= f.nullable;
      }
      return { set, nullable };
    }
    case 'group':
      return firstBytes(node.body);
    case 'repeat': {
      const f = firstBytes(node.body);
      return { set: f.set, nullable: f.nullable || node.min === 0 };
    }
    case 'assert':
    case 'look':
      return { set: new ByteSet(), nullable: true };
    default:
      // A back reference can start with anything.
      return { set: ByteSet.all(), nullable: true };
  }
}

function withRunStart(branch: PcreNode): PcreNode | undefined {
  const run = leadingRun(branch);
  if (!run) return undefined;
  // Only when what follows cannot start with a byte of the run: then, from the run's start, each
  // way back through the run fails at once, and the whole search is linear. When they overlap
  // the lookbehind would buy little and cost V8's linear-engine fallback (which cannot run it).
  const next = firstBytes({ kind: 'seq', items: run.rest });
  if (next.set.intersects(run.set.set)) return undefined;
  const guard: PcreNode = { kind: 'look', behind: true, negate: true, body: run.set };
  return { kind: 'seq', items: [guard, ...(branch.kind === 'seq' ? branch.items : [branch])] };
}
