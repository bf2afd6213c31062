// PCRE's multiline ^ does not match after a \n that ends the subject; V8's m flag does. The
// difference can only change a result when a ^ at the very end could complete a match, that is,
// when everything after some ^ can match the empty string (`^$`, `^0?$`, `^(?:x)*$`). For such
// patterns pcre-matcher.ts double-checks, on subjects ending in \n, a match that ends at the
// end with the exact (lookaround) translation; every other pattern needs nothing.
import type { PcreNode } from './pcre-ast.js';

export function hasFinalNewlineQuirk(root: PcreNode): boolean {
  return affected(root, true);
}

/** Can the node match without consuming input? (Assertions count as empty: conservative.) */
function nullable(node: PcreNode): boolean {
  switch (node.kind) {
    case 'set':
      return false;
    case 'group':
      return nullable(node.body);
    case 'repeat':
      return node.min === 0 || nullable(node.body);
    case 'seq':
      return node.items.every(nullable);
    case 'alt':
      return node.branches.some(nullable);
    default:
      return true; // assert, look, backref
  }
}

/** Does some multiline ^ inside `node` have an empty-matchable continuation? */
function affected(node: PcreNode, restNullable: boolean): boolean {
  switch (node.kind) {
    case 'assert':
      return node.what === 'lineStart' && restNullable;
    case 'group':
    case 'repeat':
      // After the last iteration of a repeat only the rest follows.
      return affected(node.body, restNullable);
    case 'look':
      return affected(node.body, true);
    case 'seq': {
      let suffixNullable = restNullable;
      for (let i = node.items.length - 1; i >= 0; i--) {
        const item = node.items[i]!;
        if (affected(item, suffixNullable)) return true;
        suffixNullable = suffixNullable && nullable(item);
      }
      return false;
    }
    case 'alt':
      return node.branches.some((b) => affected(b, restNullable));
    default:
      return false;
  }
}
