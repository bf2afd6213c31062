// Writes the parsed pattern (pcre-ast.ts) as V8 RegExp source, never using the flags "i" or "u":
// case folding is already in the sets (V8's `i` also folds 0xE9 with 0xC9, and its linear engine
// refuses `i`). PCRE's multiline ^ and $ break lines at \n only, V8's m flag also at \r; two ways:
//
// - "lookaround": spelled out with lookaround, exact on any input, flags "s". Lookaround keeps V8
//   from switching such patterns to its linear engine (safety-net.ts).
// - "crMapped": V8's m flag, exact when every \r of the subject is replaced by U+0100 first
//   (pcre-matcher.ts does that): U+0100 is no line break for V8, and every set holding \r is
//   written to hold U+0100 too. No lookaround needed, so the linear engine can take over.
import type { AssertKind, PcreNode } from './pcre-ast.js';
import { ByteSet } from './byte-set.js';
import { PcreError } from './pcre-error.js';

export type LineAnchorMode = 'lookaround' | 'crMapped';

/** What stands for \r in subjects prepared for the crMapped form. */
export const CR_STAND_IN = '\u0100';

const CR = 0x0d;
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

type AssertTable = Readonly<Record<AssertKind, string>>;

/** Flags "s" only: ^ and $ are V8's input start and end. */
const EXACT_ASSERTIONS: AssertTable = {
  start: '^',
  end: '$',
  endOrFinalNewline: '(?=\\n?$)',
  // PCRE multiline "^": at the start, or after a \n unless that \n ends the subject.
  lineStart: '(?:^|(?<=\\n)(?!$))',
  // PCRE multiline "$": at the end or before any \n (never before a lone \r).
  lineEnd: '(?![^\\n])',
  wordBoundary: '\\b',
  notWordBoundary: '\\B',
};

/** Flags "sm" on a subject whose \r became U+0100: ^ and $ are PCRE's multiline ones. */
const MULTILINE_ASSERTIONS: AssertTable = {
  start: '(?<![\\s\\S])',
  end: '(?![\\s\\S])',
  endOrFinalNewline: '(?=\\n?(?![\\s\\S]))',
  // Differs from PCRE in one case: V8 also matches after a \n that ends the subject.
  lineStart: '^',
  lineEnd: '$',
  wordBoundary: '\\b',
  notWordBoundary: '\\B',
};

// Printable characters that mean nothing special outside a class in V8 (without the u flag).
const PLAIN = " !\"#%&',-:;<=>@_`~";

const POSSESSIVE_REFUSED =
  'possessive quantifiers (*+ ++ ?+ {n,m}+) are only supported on a single character or class ' +
  'followed by a disjoint one or at the end of the pattern, where they cannot change the match';
const ATOMIC_REFUSED = 'atomic groups (?>...) are only supported at the end of the pattern, where they cannot change the match';

export interface Emitted {
  readonly source: string;
  /** The pattern needs V8's m flag (and, on subjects with \r, the U+0100 stand-in). */
  readonly multiline: boolean;
}

export function emitPattern(root: PcreNode, mode: LineAnchorMode): Emitted {
  const multiline = mode === 'crMapped' && usesLineAnchors(root);
  const emitter = new Emitter(multiline ? MULTILINE_ASSERTIONS : EXACT_ASSERTIONS, multiline);
  return { source: emitter.emit(root, true), multiline };
}

function usesLineAnchors(node: PcreNode): boolean {
  switch (node.kind) {
    case 'assert':
      return node.what === 'lineStart' || node.what === 'lineEnd';
    case 'group':
    case 'look':
    case 'repeat':
      return usesLineAnchors(node.body);
    case 'seq':
      return node.items.some(usesLineAnchors);
    case 'alt':
      return node.branches.some(usesLineAnchors);
    default:
      return false;
  }
}

class Emitter {
  constructor(
    private readonly assertions: AssertTable,
    /** Sets holding \r must also hold the U+0100 stand-in. */
    private readonly crStandIn: boolean,
  ) {}

  /**
   * `tail`: nothing follows this node before the (sub)match succeeds, so backtracking into it can
   * never be asked for, and possessive or atomic forms equal their plain greedy forms there.
   */
  emit(node: PcreNode, tail: boolean): string {
    switch (node.kind) {
      case 'set':
        return this.set(node.set);
      case 'assert':
        return this.assertions[node.what];
      case 'group':
        if (node.atomic && !tail) throw new PcreError(ATOMIC_REFUSED);
        return `${node.capture > 0 ? '(' : '(?:'}${this.emit(node.body, tail)})`;
      case 'look':
        // A lookaround's body ends its own submatch, and V8 never backtracks into lookarounds.
        return `(?${node.behind ? '<' : ''}${node.negate ? '!' : '='}${this.emit(node.body, true)})`;
      case 'repeat':
        return this.repeat(node, tail, undefined);
      case 'backref':
        // Wrapped so that a following digit cannot extend the group number.
        return `(?:\\${node.group})`;
      case 'seq':
        return this.sequence(node.items, tail);
      case 'alt':
        return node.branches.map((b) => this.emit(b, tail)).join('|');
    }
  }

  private sequence(items: readonly PcreNode[], tail: boolean): string {
    let out = '';
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const last = i === items.length - 1;
      out += item.kind === 'repeat' ? this.repeat(item, tail && last, items[i + 1]) : this.emit(item, tail && last);
    }
    return out;
  }

  private repeat(node: Extract<PcreNode, { kind: 'repeat' }>, tail: boolean, next: PcreNode | undefined): string {
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
    return this.emit(node.body, false) + q;
  }

  private set(set: ByteSet): string {
    // "." (flag s) and \D \W also take U+0100, right because these sets hold \r.
    if (set.isFull()) return '.';
    const standIn = this.crStandIn && set.has(CR) ? CR_STAND_IN : '';
    const single = set.single();
    if (single !== -1 && standIn === '') return literalChar(single);
    for (const [known, text] of SHORTHANDS) if (sameSet(set, known)) return text;
    // A negated class is shorter for big sets. V8's [^...] also takes code units above 0xFF:
    // byte strings hold none, and the U+0100 stand-in must be excluded unless \r is a member.
    if (set.size() > 128) {
      const excludeStandIn = this.crStandIn && !set.has(CR) ? CR_STAND_IN : '';
      return `[^${classBody(set.inverted())}${excludeStandIn}]`;
    }
    return `[${classBody(set)}${standIn}]`;
  }
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
