// Writes the parsed pattern (pcre-ast.ts) as V8 RegExp source for the flags "s" (plus "g"/"y"),
// never "i", "m" or "u": case folding is already in the sets, and PCRE's multiline anchors are
// spelled out, because V8's also break lines at \r (and fold or widen more than PCRE does).
import type { AssertKind, PcreNode } from './pcre-ast.js';
import { ByteSet } from './byte-set.js';
import { PcreError } from './pcre-error.js';

const DIGIT = ByteSet.range(0x30, 0x39);
const WORD = ByteSet.range(0x30, 0x39).addRange(0x41, 0x5a).addRange(0x61, 0x7a).add(0x5f);
const NEWLINE = ByteSet.of(0x0a);

/** Sets V8 has a shorthand for with the same meaning on bytes (\s is not one: V8's has 0xA0). */
const SHORTHANDS: ReadonlyArray<readonly [ByteSet, string]> = [
  [DIGIT, '\\d'],
  [DIGIT.inverted(), '\\D'],
  [WORD, '\\w'],
  [WORD.inverted(), '\\W'],
];

const ASSERTIONS: Readonly<Record<AssertKind, string>> = {
  start: '^',
  end: '$',
  endOrFinalNewline: '(?=\\n?$)',
  // PCRE multiline "^": at the start, or after a \n unless that \n ends the subject.
  lineStart: '(?:^|(?<=\\n)(?!$))',
  // PCRE multiline "$": at the end or before any \n (never before a lone \r, unlike V8's m flag).
  lineEnd: '(?![^\\n])',
  wordBoundary: '\\b',
  notWordBoundary: '\\B',
};

// Printable characters that mean nothing special outside a class in V8 (without the u flag).
const PLAIN = " !\"#%&',-:;<=>@_`~";

const POSSESSIVE_REFUSED =
  'possessive quantifiers (*+ ++ ?+ {n,m}+) are only supported on a single character or class ' +
  'followed by a disjoint one or at the end of the pattern, where they cannot change the match';
const ATOMIC_REFUSED = 'atomic groups (?>...) are only supported at the end of the pattern, where they cannot change the match';

export function emitPattern(root: PcreNode): string {
  return emit(root, true);
}

/**
 * `tail`: nothing follows this node before the (sub)match succeeds, so backtracking into it can
 * never be asked for, and possessive or atomic forms equal their plain greedy forms there.
 */
function emit(node: PcreNode, tail: boolean): string {
  switch (node.kind) {
    case 'set':
      return emitSet(node.set);
    case 'assert':
      return ASSERTIONS[node.what];
    case 'group':
      if (node.atomic && !tail) throw new PcreError(ATOMIC_REFUSED);
      return `${node.capture > 0 ? '(' : '(?:'}${emit(node.body, tail)})`;
    case 'look':
      // A lookaround's body ends its own submatch, and V8 never backtracks into lookarounds.
      return `(?${node.behind ? '<' : ''}${node.negate ? '!' : '='}${emit(node.body, true)})`;
    case 'repeat':
      return emitRepeat(node, tail, undefined);
    case 'backref':
      // Wrapped so that a following digit cannot extend the group number.
      return `(?:\\${node.group})`;
    case 'seq':
      return emitSequence(node.items, tail);
    case 'alt':
      return node.branches.map((b) => emit(b, tail)).join('|');
  }
}

function emitSequence(items: readonly PcreNode[], tail: boolean): string {
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const last = i === items.length - 1;
    out += item.kind === 'repeat' ? emitRepeat(item, tail && last, items[i + 1]) : emit(item, tail && last);
  }
  return out;
}

function emitRepeat(node: Extract<PcreNode, { kind: 'repeat' }>, tail: boolean, next: PcreNode | undefined): string {
  if (node.possessive && !possessiveIsPlain(node, tail, next)) throw new PcreError(POSSESSIVE_REFUSED);
  const { min, max } = node;
  let q: string;
  if (min === 0 && max === Infinity) q = '*';
  else if (min === 1 && max === Infinity) q = '+';
  else if (min === 0 && max === 1) q = '?';
  else if (min === max) q = `{${min}}`;
  else if (max === Infinity) q = `{${min},}`;
  else q = `{${min},${max}}`;
  if (!node.greedy) q += '?';
  return emit(node.body, false) + q;
}

/**
 * A possessive repeat of one byte class matches like the greedy one when giving characters back
 * could never help: at the end of the pattern, or when the next item needs a byte it cannot take.
 */
function possessiveIsPlain(node: Extract<PcreNode, { kind: 'repeat' }>, tail: boolean, next: PcreNode | undefined): boolean {
  if (node.body.kind !== 'set') return false;
  if (tail) return true;
  if (next === undefined) return false;
  const body = node.body.set;
  if (next.kind === 'set') return !body.intersects(next.set);
  if (next.kind === 'repeat' && next.min >= 1 && next.body.kind === 'set') return !body.intersects(next.body.set);
  if (next.kind === 'assert') {
    if (next.what === 'end') return true;
    if (next.what === 'lineEnd' || next.what === 'endOrFinalNewline') return !body.intersects(NEWLINE);
  }
  return false;
}

function emitSet(set: ByteSet): string {
  if (set.isFull()) return '.';
  const single = set.single();
  if (single !== -1) return literalChar(single);
  for (const [known, text] of SHORTHANDS) if (sameSet(set, known)) return text;
  // A negated class is shorter for big sets; V8's [^...] also takes code units above 0xFF, which
  // byte strings never hold.
  if (set.size() > 128) return `[^${classBody(set.inverted())}]`;
  return `[${classBody(set)}]`;
}

function classBody(set: ByteSet): string {
  let out = '';
  for (const [lo, hi] of set.ranges()) {
    out += classChar(lo);
    if (hi === lo + 1) out += classChar(hi);
    else if (hi > lo) out += `-${classChar(hi)}`;
  }
  return out;
}

function sameSet(a: ByteSet, b: ByteSet): boolean {
  for (let c = 0; c < 256; c++) if (a.has(c) !== b.has(c)) return false;
  return true;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function hex(c: number): string {
  return `\\x${c.toString(16).padStart(2, '0')}`;
}

function literalChar(c: number): string {
  if (isAlnum(c)) return String.fromCharCode(c);
  if (c >= 0x20 && c < 0x7f) {
    const ch = String.fromCharCode(c);
    return PLAIN.includes(ch) ? ch : `\\${ch}`;
  }
  return hex(c);
}

function classChar(c: number): string {
  return isAlnum(c) ? String.fromCharCode(c) : hex(c);
}
