// What every match of a pattern must contain: a list of byte sets, each of which must have at
// least one of its bytes somewhere in the subject (PCRE's "required code unit" idea, widened to
// small sets so that caseless letters and alternations count). A subject missing one of them
// cannot match, so the regex is not run at all: a scan for a byte is far cheaper than a search,
// and it also spares the searches that backtrack badly on subjects that were never close to a
// match (the CRS's big RCE patterns on long runs of newlines need a ':' or ';' to match at all).
import { ByteSet } from './byte-set.js';
import type { ParsedPcre, PcreNode } from './pcre-ast.js';

/** Sets larger than this are not worth checking (too common to rule anything out). */
const MAX_SET = 4;

/** Requirements of a node: sets of which each must be hit. */
function required(node: PcreNode): ByteSet[] {
  switch (node.kind) {
    case 'set':
      return node.set.size() <= MAX_SET && node.set.size() > 0 ? [node.set] : [];
    case 'seq': {
      const out: ByteSet[] = [];
      for (const item of node.items) out.push(...required(item));
      return out;
    }
    case 'alt': {
      // Some branch matched: each branch's smallest requirement, together, is required.
      const union = new ByteSet();
      for (const b of node.branches) {
        const reqs = required(b);
        if (reqs.length === 0) return [];
        let best = reqs[0]!;
        for (const r of reqs) if (r.size() < best.size()) best = r;
        union.addSet(best);
      }
      return union.size() <= MAX_SET ? [union] : [];
    }
    case 'group':
      return required(node.body);
    case 'repeat':
      return node.min >= 1 ? required(node.body) : [];
    default:
      // Assertions, lookaround and back references promise no byte.
      return [];
  }
}

/** Up to `max` requirements, the most selective first, as lists of char codes. */
export function requiredBytes(parsed: ParsedPcre, max = 3): number[][] {
  const seen = new Set<string>();
  const sets: ByteSet[] = [];
  for (const s of required(parsed.root)) {
    const key = s.ranges().join(';');
    if (seen.has(key)) continue;
    seen.add(key);
    sets.push(s);
  }
  sets.sort((a, b) => a.size() - b.size());
  return sets.slice(0, max).map((s) => {
    const codes: number[] = [];
    for (const [lo, hi] of s.ranges()) for (let c = lo; c <= hi; c++) codes.push(c);
    return codes;
  });
}

/** Whether `subject` has at least one byte of every requirement. */
export function hasRequired(subject: string, reqs: readonly (readonly string[])[]): boolean {
  for (let i = 0; i < reqs.length; i++) {
    const alternatives = reqs[i]!;
    let found = false;
    for (let j = 0; j < alternatives.length; j++) {
      if (subject.indexOf(alternatives[j]!) !== -1) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}
