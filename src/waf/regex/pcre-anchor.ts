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
