// What every match of a pattern must contain: a list of byte sets, each of which must have at
// least one of its bytes somewhere in the subject (PCRE's "required code unit" idea, widened to
// small sets so that caseless letters and alternations count). A subject missing one of them
// cannot match, so the regex is not run at all: a scan for a byte is far cheaper than a search,
// and it also spares the searches that backtrack badly on subjects that were never close to a
// match (the CRS's big RCE patterns on long runs of newlines need a ':' or ';' to match at all).
import { ByteSet } from './byte-set.js';
import type { ParsedPcre, PcreNode } from './pcre-ast.js';

/**
 * Sets larger than this are not kept. A set is checked with one class search that stops at the
 * first byte found, so a large set costs little on the values that hold one of its bytes (most,
 * for a set of letters) and rules out at once the ones that hold none: 941160's 64 KB of "<"
 * has none of the letters its alternatives start with, and the regex, superlinear on such a run,
 * is not run at all.
 */
const MAX_SET = 64;

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
      // Some branch matched, so the union of one requirement of each branch is required, for
      // any choice of one per branch. Three choices: each branch's smallest, second smallest
      // and third (or its last): in 941160, "<" or "=" (the smallest of its two branches), but
      // also a letter or "=", which rules out a long run of "<" at once.
      const perBranch: ByteSet[][] = [];
      for (const b of node.branches) {
        const reqs = required(b);
        if (reqs.length === 0) return [];
        perBranch.push(reqs.sort((x, y) => x.size() - y.size()));
      }
      const out: ByteSet[] = [];
      for (let choice = 0; choice < 3; choice++) {
        const union = new ByteSet();
        for (const reqs of perBranch) union.addSet(reqs[Math.min(choice, reqs.length - 1)]!);
        if (union.size() <= MAX_SET) out.push(union);
      }
      return out;
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
export function requiredBytes(parsed: ParsedPcre, max = 6): number[][] {
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

/** A requirement as a search: the bytes themselves when few (indexOf), else a class regex. */
export type RequirementTest = readonly string[] | RegExp;

/** One search per requirement (V8 scans for a class in one pass; indexOf is cheaper for 1-3 bytes). */
export function requirementTests(reqs: readonly (readonly number[])[]): RequirementTest[] {
  return reqs.map((codes) =>
    codes.length <= 3 ? codes.map((c) => String.fromCharCode(c)) : new RegExp(`[${codes.map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')}]`),
  );
}

function holds(subject: string, test: RequirementTest): boolean {
  if (test instanceof RegExp) return test.test(subject);
  for (let i = 0; i < test.length; i++) if (subject.indexOf(test[i]!) !== -1) return true;
  return false;
}

/**
 * Subjects shorter than this are checked against the most selective requirement only: a search
 * of a short value is cheap anyway, and each further check costs about as much as it would save.
 * Long ones get every check, which is where a superlinear search hurts.
 */
const CHECK_ALL_FROM = 1024;

/** Whether `subject` has at least one byte of every requirement checked (see CHECK_ALL_FROM). */
export function hasRequired(subject: string, tests: readonly RequirementTest[]): boolean {
  const n = subject.length < CHECK_ALL_FROM ? Math.min(1, tests.length) : tests.length;
  for (let i = 0; i < n; i++) if (!holds(subject, tests[i]!)) return false;
  return true;
}
