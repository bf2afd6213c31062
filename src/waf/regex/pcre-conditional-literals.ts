// Literals for the patterns that promise none (pcre-literals.ts) because of evasion padding: the
// CRS's command-injection patterns allow quotes, backslashes and "$var" expansions between the
// letters of every word (b["'\)\[\\]*(?:\$[...]*)?\\?u...), so no word is fixed text in them.
//
// A subject that holds none of the padding's bytes can only match with the padding empty, and
// then the words are plain literals again. So for a set E of such bytes, every subject the
// pattern matches holds a byte of E or one of the literals of the pattern "restricted" to
// subjects without E (each character class minus E; a part left with nothing it can match is
// dropped from an alternation or repetition that can do without it). Both halves go into the
// prefilter as one set: E's bytes as one-byte literals and the restricted pattern's literals.
// That is exact for any E; E only decides how much it filters, so it is made of the rare bytes
// of the small classes a match may skip (the padding), never of letters, digits or common
// punctuation (a value holding one would always be sent to the regex).
import { ByteSet } from './byte-set.js';
import type { ParsedPcre, PcreNode } from './pcre-ast.js';
import { isCommonByte, requiredLiterals, setRate, type LiteralLimits } from './pcre-literals.js';

/**
 * The restricted pattern is analysed with larger bounds: the CRS's word lists are alternations of
 * hundreds of words followed by a terminator class, and with the default bounds the glue stops
 * before the terminator ("sh" rather than "sh " or "sh,", and "sh" is in every "shipped").
 */
const WIDE_LIMITS: LiteralLimits = { exact: 1024, affix: 2048 };

/** Larger padding sets filter too little to be worth a place in the automaton. */
const MAX_PADDING_BYTES = 24;

/** An optional class with more members than this is a gap, not padding. */
const MAX_PADDING_CLASS = 16;

const EMPTY_SEQ: PcreNode = { kind: 'seq', items: [] };

/** The pattern for subjects without any byte of `excluded`, or null when it can match none. */
function restrict(node: PcreNode, excluded: ByteSet): PcreNode | null {
  switch (node.kind) {
    case 'set': {
      const set = new ByteSet();
      let any = false;
      for (const [lo, hi] of node.set.ranges()) {
        for (let c = lo; c <= hi; c++) {
          if (excluded.has(c)) continue;
          set.add(c);
          any = true;
        }
      }
      return any ? { kind: 'set', set } : null;
    }
    case 'assert':
    case 'look':
    case 'backref':
      // Zero-width or unknown to the literal analysis either way: kept as they are.
      return node;
    case 'group': {
      const body = restrict(node.body, excluded);
      return body === null ? null : { ...node, body };
    }
    case 'seq': {
      const items: PcreNode[] = [];
      for (const item of node.items) {
        const r = restrict(item, excluded);
        if (r === null) return null;
        items.push(r);
      }
      return { kind: 'seq', items };
    }
    case 'alt': {
      const branches: PcreNode[] = [];
      for (const b of node.branches) {
        const r = restrict(b, excluded);
        if (r !== null) branches.push(r);
      }
      if (branches.length === 0) return null;
      return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
    }
    case 'repeat': {
      const body = restrict(node.body, excluded);
      if (body === null) return node.min === 0 ? EMPTY_SEQ : null;
      return { ...node, body };
    }
  }
}

/**
 * The rare bytes of the small classes a match may skip (inside repeats that allow zero): the
 * padding. A wide optional class (".*", "[^>]*") is not padding but a gap, which the literal
 * analysis already steps over.
 */
function paddingBytes(node: PcreNode, optional: boolean, out: ByteSet): void {
  switch (node.kind) {
    case 'set':
      if (!optional || node.set.size() > MAX_PADDING_CLASS) return;
      for (const [lo, hi] of node.set.ranges()) for (let c = lo; c <= hi; c++) if (!isCommonByte(c)) out.add(c);
      return;
    case 'group':
    case 'look':
      paddingBytes(node.body, optional, out);
      return;
    case 'seq':
      for (const item of node.items) paddingBytes(item, optional, out);
      return;
    case 'alt':
      for (const b of node.branches) paddingBytes(b, optional, out);
      return;
    case 'repeat':
      paddingBytes(node.body, optional || node.min === 0, out);
      return;
    default:
      return;
  }
}

function literalsWithout(parsed: ParsedPcre, excluded: ByteSet): string[] | undefined {
  const root = restrict(parsed.root, excluded);
  // Nothing matches without a byte of E: E's bytes alone are the requirement.
  if (root === null) return [];
  const lits = requiredLiterals({ ...parsed, root }, WIDE_LIMITS);
  return isUsable(lits) ? lits : undefined;
}

/**
 * Case-folded strings of which every match holds one, made of padding bytes (one-byte strings)
 * and the literals of the padding-free pattern; undefined when that gives nothing usable.
 */
export function conditionalLiterals(parsed: ParsedPcre): string[] | undefined {
  const padding = new ByteSet();
  paddingBytes(parsed.root, false, padding);
  if (padding.size() === 0 || padding.size() > MAX_PADDING_BYTES) return undefined;
  const lits = literalsWithout(parsed, padding);
  if (lits === undefined) return undefined;
  const out = new Set(lits);
  for (const [lo, hi] of padding.ranges()) for (let c = lo; c <= hi; c++) out.add(String.fromCharCode(c));
  return [...out];
}

/** At most this many bytes of a required set become one-byte literals. */
const MAX_REQUIRED_BYTES = 8;

/**
 * Byte rates for choosing between candidates of different kinds: letters and digits common,
 * space more so; punctuation rare, control bytes and bytes above 0x7F rarer still. Finer than
 * pcre-literals.ts's, which rates all non-letters alike: here tabs and line breaks are set
 * against "s " and "on".
 */
function valueRarity(c: number): number {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) return 10;
  if (c === 0x20) return 3;
  if (c < 0x20) return 4096;
  if (c >= 0x7f) return 1024;
  return 256;
}

function valueRate(set: readonly string[]): number {
  return setRate(set, valueRarity);
}

/**
 * Own literals are kept without looking further (the analysis of a big pattern takes tens of
 * milliseconds at load) unless one of them is this short or the set is found this often.
 */
const SHORT_LITERAL = 2;
const FREQUENT = 1 / 50;

function isUsable(set: readonly string[] | undefined): set is string[] {
  return set !== undefined && !set.some((l) => l.length === 1 && isCommonByte(l.charCodeAt(0)));
}

/**
 * The literals the prefilter looks for before running the pattern: the least frequent of the
 * pattern's own required literals, the conditional literals above, and the most selective set
 * of rare bytes every match needs (pcre-required.ts: "(", "{" or "[" for CRS 932130), each
 * byte a one-byte literal. Undefined when none of them filters anything.
 */
export function prefilterLiterals(parsed: ParsedPcre, required: readonly (readonly number[])[]): string[] | undefined {
  const plain = requiredLiterals(parsed);
  const candidates: string[][] = [];
  if (isUsable(plain)) {
    if (!plain.some((l) => l.length <= SHORT_LITERAL) && valueRate(plain) < FREQUENT) return plain;
    candidates.push(plain);
  }
  const conditional = conditionalLiterals(parsed);
  if (conditional !== undefined) candidates.push(conditional);
  for (const codes of required) {
    if (codes.length <= MAX_REQUIRED_BYTES && !codes.some(isCommonByte)) candidates.push([...new Set(codes.map((c) => String.fromCharCode(c)))]);
  }
  let best: string[] | undefined;
  for (const c of candidates) if (best === undefined || valueRate(c) < valueRate(best)) best = c;
  return best ?? plain;
}
