// PCRE's "dotstar anchor": a pattern whose every top-level branch starts with .* (under DOTALL)
// can only match at the start of the subject, because a match found later could be extended
// back to the start by the same .*; PCRE therefore tries the start only. V8 does not, and
// without it shapes like `.*\.php\.*$` take quadratic time (every start position rescans the
// rest). The same holds for any unbounded repeat of a set holding every byte, greedy or lazy.
// It does not hold when a back reference could see the repeated text (PCRE has the same rule).
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

function leadingRunSet(node: PcreNode): PcreNode | undefined {
  switch (node.kind) {
    case 'repeat':
      return node.max === Infinity && node.body.kind === 'set' && !node.possessive ? node.body : undefined;
    case 'seq':
      return node.items.length > 0 ? leadingRunSet(node.items[0]!) : undefined;
    default:
      return undefined;
  }
}

function withRunStart(branch: PcreNode): PcreNode | undefined {
  const set = leadingRunSet(branch);
  if (!set) return undefined;
  const guard: PcreNode = { kind: 'look', behind: true, negate: true, body: set };
  return { kind: 'seq', items: [guard, ...(branch.kind === 'seq' ? branch.items : [branch])] };
}
