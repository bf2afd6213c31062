// What every match of a pattern must contain as a literal substring: a small set of strings of
// which at least one occurs in any subject the pattern matches (the "required factors" of
// RE2's and Hyperscan's prefilters). The engine scans a value once for the literals of all the
// rules that see it (engine/prefilter/), and a rule whose literals are absent from every value
// of its targets cannot match, so it is not evaluated at all.
//
// Literals are ASCII case-folded (A-Z as a-z), whatever the pattern's case sensitivity: the scan
// folds the subject the same way, so a case-sensitive "UNION" is looked for as "union". That
// only lets more subjects through to the regex, never fewer, which is the one property that
// matters: the set must be necessary, not sufficient.
//
// Each node gets two facts:
//   exact  every string the node can match, when that set is small (else undefined)
//   needs  strings of which every match of the node contains one (undefined: no knowledge)
// and a sequence glues adjacent exact sets into longer literals ("s","e","l","e","c","t" →
// "select"). Zero-width items (assertions, lookaround) match "" and keep neighbours adjacent.
import type { ByteSet } from './byte-set.js';
import type { ParsedPcre, PcreNode } from './pcre-ast.js';

/**
 * Bytes too frequent in ordinary values to be worth looking for on their own: letters, digits,
 * space and common punctuation (the prefilter does not scan for them as one-byte literals).
 */
export function isCommonByte(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x20 || code === 0x2e || code === 0x2c || code === 0x3a || code === 0x3d || code === 0x5f || code === 0x2d || code === 0x2f || code === 0x2b || code === 0x40
  );
}

/** Largest exact set kept (cross products grow fast). */
const MAX_EXACT = 64;
/**
 * How far the analysis goes: the exact-set and affix-set bounds. Larger bounds find longer
 * literals in big alternations (more of them, so a larger automaton) and take longer.
 */
export interface LiteralLimits {
  readonly exact: number;
  readonly affix: number;
}
/** Largest set of first or last strings kept (a run glued to them may be this large too). */
const MAX_AFFIX = 512;
const DEFAULT_LIMITS: LiteralLimits = { exact: MAX_EXACT, affix: MAX_AFFIX };
/** Longest literal glued: a run that would grow past it is closed and a new one started. */
const MAX_LENGTH = 24;
/** Largest alternative set kept as a requirement. */
const MAX_NEEDS = 4096;
/** A class with more (folded) members than this is "any byte" for the analysis. */
const MAX_CLASS = 12;

interface Facts {
  readonly exact: readonly string[] | undefined;
  readonly needs: readonly string[] | undefined;
  /** Every match starts with one of these (exact implies it). */
  readonly prefix?: readonly string[] | undefined;
  /** Every match ends with one of these (exact implies it). */
  readonly suffix?: readonly string[] | undefined;
}

const EMPTY: Facts = { exact: [''], needs: undefined };
const UNKNOWN: Facts = { exact: undefined, needs: undefined };

const starts = (f: Facts) => f.exact ?? f.prefix;
const ends = (f: Facts) => f.exact ?? f.suffix;

/** The union of the branches' sets, when every branch has one and it stays small. */
function unionOf(branches: readonly Facts[], pick: (f: Facts) => readonly string[] | undefined, max: number): string[] | undefined {
  const out = new Set<string>();
  for (const b of branches) {
    const set = pick(b);
    if (set === undefined) return undefined;
    for (const x of set) out.add(x);
    if (out.size > max) return undefined;
  }
  return [...out];
}

function fold(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
}

function classMembers(set: ByteSet): string[] | undefined {
  const seen = new Set<number>();
  for (const [lo, hi] of set.ranges()) {
    if (seen.size + (hi - lo + 1) > MAX_CLASS * 2) return undefined;
    for (let c = lo; c <= hi; c++) seen.add(fold(c));
    if (seen.size > MAX_CLASS) return undefined;
  }
  if (seen.size === 0) return undefined;
  return [...seen].map((c) => String.fromCharCode(c));
}

function dedupe(strings: Iterable<string>): string[] {
  return [...new Set(strings)];
}

function cross(a: readonly string[], b: readonly string[], max: number): string[] | undefined {
  if (a.length * b.length > max) return undefined;
  const out = new Set<string>();
  for (const x of a) {
    for (const y of b) {
      if (x.length + y.length > MAX_LENGTH) return undefined;
      out.add(x + y);
    }
  }
  return [...out];
}

/** A set usable as a requirement: non-empty, and no member is "" (which every subject holds). */
function usable(set: readonly string[] | undefined): readonly string[] | undefined {
  if (set === undefined || set.length === 0 || set.includes('')) return undefined;
  return set;
}

/** How many times rarer than certain a byte is in ordinary values (a rate table, as divisors). */
export type ByteRarity = (code: number) => number;

/**
 * How often a set is expected to be found in ordinary values, roughly: the sum over its members
 * of the product of their bytes' rates. The smaller, the more values the set rules out.
 */
export function setRate(set: readonly string[], rarity: ByteRarity): number {
  let rate = 0;
  for (const s of set) {
    let p = 1;
    for (let i = 0; i < s.length; i++) p /= rarity(s.charCodeAt(i));
    rate += p;
  }
  return rate;
}

/**
 * Enough to choose among the literals of one pattern: letters and digits common, space more so,
 * all other bytes rare, bytes above 0x7F rarer still.
 */
function textRarity(c: number): number {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ? 16 : c === 0x20 ? 6 : c >= 0x80 ? 256 : 64;
}

/** The set that lets fewer ordinary values through (both are necessary: either will do). */
function better(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return setRate(b, textRarity) < setRate(a, textRarity) ? b : a;
}

function facts(node: PcreNode, lim: LiteralLimits): Facts {
  switch (node.kind) {
    case 'set': {
      const members = classMembers(node.set);
      return members ? { exact: members, needs: members } : UNKNOWN;
    }
    case 'assert':
    case 'look':
      // Zero-width: a lookahead may promise more, but "" is always true of it.
      return EMPTY;
    case 'backref':
      return UNKNOWN;
    case 'group':
      return facts(node.body, lim);
    case 'seq':
      return sequence(node.items, lim);
    case 'alt': {
      const branches = node.branches.map((b) => facts(b, lim));
      let exact: string[] | undefined = [];
      let needs: string[] | undefined = [];
      for (const b of branches) {
        if (exact !== undefined && b.exact !== undefined && exact.length + b.exact.length <= lim.exact) exact.push(...b.exact);
        else exact = undefined;
        const n = usable(b.exact) ?? b.needs;
        if (needs !== undefined && n !== undefined && needs.length + n.length <= MAX_NEEDS) needs.push(...n);
        else needs = undefined;
      }
      return { exact: exact && dedupe(exact), needs: needs && dedupe(needs), prefix: unionOf(branches, starts, lim.affix), suffix: unionOf(branches, ends, lim.affix) };
    }
    case 'repeat': {
      const body = facts(node.body, lim);
      if (node.min === 0) {
        // x? is "" or x; longer optional repeats say nothing.
        return node.max === 1 && body.exact ? { exact: dedupe(['', ...body.exact]), needs: undefined } : { exact: undefined, needs: undefined };
      }
      const needs = usable(body.exact) ?? body.needs;
      if (body.exact && node.min === node.max && node.min <= 4) {
        let exact: string[] | undefined = [''];
        for (let i = 0; i < node.min && exact; i++) exact = cross(exact, body.exact, lim.exact);
        if (exact) return { exact, needs: better(usable(exact), needs) };
      }
      // At least one copy of the body is in every match; more copies follow it directly, so a
      // literal spanning copies is not known, but the body's own literals are, and a match
      // starts as the first copy does and ends as the last one does.
      return { exact: undefined, needs, prefix: starts(body), suffix: ends(body) };
    }
  }
}

function sequence(items: readonly PcreNode[], lim: LiteralLimits): Facts {
  // `run`: every match of the items so far ends with one of these (all of it while allExact).
  let run: string[] = [''];
  let allExact = true;
  let prefix: readonly string[] | undefined;
  let best: readonly string[] | undefined;
  for (const item of items) {
    const f = facts(item, lim);
    if (f.exact !== undefined) {
      const next = cross(run, f.exact, lim.exact);
      if (next !== undefined) {
        run = next;
        continue;
      }
      // Too many combinations: what was glued so far is a requirement; start again from here.
      best = better(best, usable(run));
      if (allExact) prefix = run;
      allExact = false;
      run = [...f.exact];
      continue;
    }
    // The run goes on into the item's first bytes, and starts again from its last ones.
    const head = starts(f);
    const glued = head !== undefined ? cross(run, head, lim.affix) : undefined;
    best = better(best, usable(glued ?? run));
    best = better(best, f.needs);
    if (allExact) prefix = glued ?? run;
    allExact = false;
    const tail = ends(f);
    run = tail !== undefined ? [...tail] : [''];
  }
  best = better(best, usable(run));
  return allExact ? { exact: run, needs: best } : { exact: undefined, needs: best, prefix, suffix: run };
}

/**
 * Case-folded strings of which every match of the pattern contains at least one, or undefined
 * when the pattern promises none (it can match without any fixed text, or only single bytes).
 */
export function requiredLiterals(parsed: ParsedPcre, limits: LiteralLimits = DEFAULT_LIMITS): string[] | undefined {
  const f = facts(parsed.root, limits);
  const needs = better(usable(f.exact), f.needs);
  return needs ? compact(needs) : undefined;
}

/**
 * A smaller set that is still necessary: literals that differ only in their last byte ("mount ",
 * "mount|", "mount&"...) become their common prefix (a value holding any of them holds it), and
 * members holding another member go. Fewer literals keep the shared automaton small. Literals
 * that differ in their first byte are not merged into their common suffix: "mount", "fount" and
 * "count" would become "ount", which every "account" holds (on a JSON body of order notes that
 * sent CRS 932235's regex over most values).
 */
function compact(set: readonly string[]): string[] {
  let out = minimal(set);
  for (let pass = 0; pass < 4; pass++) {
    const next = mergeSiblings(out, (s) => s.slice(0, -1));
    if (next === out) break;
    out = minimal(next);
  }
  return out;
}

/** Members of 4 bytes or more that share `trim(member)` with 2 others become it. */
function mergeSiblings(set: string[], trim: (s: string) => string): string[] {
  const siblings = new Map<string, number>();
  for (const s of set) if (s.length >= 4) siblings.set(trim(s), (siblings.get(trim(s)) ?? 0) + 1);
  let changed = false;
  const out = set.map((s) => {
    if (s.length < 4 || (siblings.get(trim(s)) ?? 0) < 3) return s;
    changed = true;
    return trim(s);
  });
  return changed ? out : set;
}

/**
 * The set without the members that hold another member ('alias"' goes when 'alias' is there):
 * a value holding the longer one holds the shorter, so they add nothing but automaton states.
 */
function minimal(set: readonly string[]): string[] {
  const members = new Set(set);
  let shortest = Infinity;
  for (const s of members) shortest = Math.min(shortest, s.length);
  const out: string[] = [];
  for (const s of members) {
    let redundant = false;
    for (let len = shortest; len < s.length && !redundant; len++) {
      for (let i = 0; i + len <= s.length; i++) {
        if (members.has(s.slice(i, i + len))) {
          redundant = true;
          break;
        }
      }
    }
    if (!redundant) out.push(s);
  }
  return out;
}
