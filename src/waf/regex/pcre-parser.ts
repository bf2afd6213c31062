// Parses PCRE2 syntax (8-bit, non-UTF, as libmodsecurity compiles it) into the tree of
// pcre-ast.ts. Everything V8 cannot express with the same meaning is refused here with a
// PcreError naming the construct and its offset, never passed through with a different meaning.
import type { AssertKind, ParsedPcre, PcreNode } from './pcre-ast.js';
import { ByteSet } from './byte-set.js';
import { PcreError } from './pcre-error.js';
import { posixClass } from './posix-classes.js';

/** Option bits that inline settings such as (?i) or (?-s:...) change. */
interface Options {
  caseless: boolean;
  multiline: boolean;
  dotall: boolean;
  extended: boolean;
  extendedMore: boolean;
  noAutoCapture: boolean;
  ungreedy: boolean;
}

// PCRE's \s in the C locale (since 8.34 it includes VT); V8's \s would also match 0xA0, which
// in a byte string is a UTF-8 continuation byte, not a space.
const SPACE = ByteSet.of(0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20);
const DIGIT = ByteSet.range(0x30, 0x39);
const WORD = ByteSet.range(0x30, 0x39).addRange(0x41, 0x5a).addRange(0x61, 0x7a).add(0x5f);
// \h and \v in 8-bit non-UTF mode: the horizontal / vertical spaces below 256.
const HSPACE = ByteSet.of(0x09, 0x20, 0xa0);
const VSPACE = ByteSet.of(0x0a, 0x0b, 0x0c, 0x0d, 0x85);
const NEWLINE = ByteSet.of(0x0a);
const ALL = ByteSet.all();
const NOT_NEWLINE = NEWLINE.inverted();

/** Letters after a backslash that stand for a class of bytes. */
const CLASS_ESCAPES: Readonly<Record<string, ByteSet>> = {
  d: DIGIT,
  D: DIGIT.inverted(),
  w: WORD,
  W: WORD.inverted(),
  s: SPACE,
  S: SPACE.inverted(),
  h: HSPACE,
  H: HSPACE.inverted(),
  v: VSPACE,
  V: VSPACE.inverted(),
};

/** Single-byte escapes shared by patterns and classes. */
const CHAR_ESCAPES: Readonly<Record<string, number>> = { a: 0x07, e: 0x1b, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 };

/** PCRE's limit for {n,m} (and a guard against patterns that would blow up V8's compiler). */
const MAX_REPEAT = 65535;
const MAX_NAME = 32;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isOctal = (c: number): boolean => c >= 0x30 && c <= 0x37;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const hexValue = (c: number): number => {
  if (isDigit(c)) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
};
// PCRE's whitespace for the x option (outside UTF mode).
const isPatternSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** One item inside [...]: a single byte (can start a range) or a whole set. */
type ClassItem = { single: number } | { set: ByteSet };

export interface ParseOptions {
  readonly caseless?: boolean;
}

export function parsePcre(pattern: string, options: ParseOptions = {}): ParsedPcre {
  return new Parser(pattern, options.caseless === true).parse();
}

class Parser {
  private pos = 0;
  private opts: Options;
  private groupCount = 0;
  private readonly names = new Map<string, number>();
  private readonly backrefs: Array<Extract<PcreNode, { kind: 'backref' }>> = [];
  /** Inside \Q...\E outside a class. */
  private quoting = false;

  constructor(
    private readonly src: string,
    caseless: boolean,
  ) {
    this.opts = {
      caseless,
      multiline: true, // libmodsecurity: PCRE2_DOTALL | PCRE2_MULTILINE
      dotall: true,
      extended: false,
      extendedMore: false,
      noAutoCapture: false,
      ungreedy: false,
    };
    for (let i = 0; i < src.length; i++) {
      if (src.charCodeAt(i) > 0xff) this.fail(i, 'the pattern holds a character above 0xFF (patterns are byte strings)');
    }
  }

  parse(): ParsedPcre {
    const root = this.alternation();
    if (this.pos < this.src.length) this.fail(this.pos, 'unmatched closing parenthesis');
    for (const ref of this.backrefs) {
      if (ref.name !== undefined) {
        const group = this.names.get(ref.name);
        if (group === undefined) this.fail(ref.at, `reference to a group named "${ref.name}" that does not exist`);
        ref.group = group;
      } else if (ref.group > this.groupCount) {
        this.fail(ref.at, `reference to group ${ref.group}, but the pattern has ${this.groupCount}`);
      }
    }
    return { root, groupCount: this.groupCount, hasBackrefs: this.backrefs.length > 0 };
  }

  // ---- structure ------------------------------------------------------------------------------

  private alternation(): PcreNode {
    const branches = [this.sequence()];
    while (this.peek() === 0x7c /* | */) {
      this.pos++;
      branches.push(this.sequence());
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
  }

  private sequence(): PcreNode {
    const items: PcreNode[] = [];
    for (;;) {
      if (this.quoting) {
        if (this.pos >= this.src.length) break;
        if (this.startsWith('\\E')) {
          this.pos += 2;
          this.quoting = false;
          // Inside \Q...\E quantifier characters are literal; one right after \E applies to the
          // last quoted byte.
          const last = items[items.length - 1];
          if (last !== undefined && last.kind === 'set' && this.quantifierAhead()) items[items.length - 1] = this.quantified(last);
          continue;
        }
        items.push(this.literal(this.src.charCodeAt(this.pos++)));
        continue;
      }
      this.skipExtended();
      const c = this.peek();
      if (c === -1 || c === 0x7c /* | */ || c === 0x29 /* ) */) break;
      const atom = this.atom();
      if (atom === null) {
        this.skipExtended();
        if (!this.quoting && this.quantifierAhead()) this.fail(this.pos, 'quantifier does not follow a repeatable item');
        continue;
      }
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  }

  /** The next atom, or null for things that match nothing themselves: (?i), (?#...), \E, \Q. */
  private atom(): PcreNode | null {
    const at = this.pos;
    const c = this.src.charCodeAt(this.pos++);
    switch (c) {
      case 0x28 /* ( */:
        return this.group(at);
      case 0x5b /* [ */:
        if (/^([:.=])\^?[A-Za-z]+\1\]/.test(this.src.slice(this.pos, this.pos + 40))) {
          this.fail(at, 'POSIX named classes such as [:alpha:] are supported only within a class ([[:alpha:]])');
        }
        return { kind: 'set', set: this.characterClass(at) };
      case 0x2e /* . */:
        return { kind: 'set', set: this.opts.dotall ? ALL : NOT_NEWLINE };
      case 0x5e /* ^ */:
        return { kind: 'assert', what: this.opts.multiline ? 'lineStart' : 'start' };
      case 0x24 /* $ */:
        return { kind: 'assert', what: this.opts.multiline ? 'lineEnd' : 'endOrFinalNewline' };
      case 0x5c /* \ */:
        return this.escape(at);
      case 0x2a /* * */:
      case 0x2b /* + */:
      case 0x3f /* ? */:
        return this.fail(at, 'quantifier does not follow a repeatable item');
      case 0x7b /* { */:
        this.pos = at;
        if (this.quantifierAhead()) this.fail(at, 'quantifier does not follow a repeatable item');
        this.pos = at + 1;
        return this.literal(c);
      default:
        return this.literal(c);
    }
  }

  private literal(c: number): PcreNode {
    const set = ByteSet.of(c);
    if (this.opts.caseless) set.foldAsciiCase();
    return { kind: 'set', set };
  }

  // ---- quantifiers ----------------------------------------------------------------------------

  /** True when a quantifier starts here ({ only when it forms a valid {n}, {n,} or {n,m}). */
  private quantifierAhead(): boolean {
    const c = this.peek();
    if (c === 0x2a || c === 0x2b || c === 0x3f) return true;
    return c === 0x7b && this.braceQuantifier(false) !== null;
  }

  /**
   * Reads {n}, {n,} or {n,m} at pos. Anything else is a literal "{" in PCRE2 (10.42 and before;
   * "{,m}" is literal there too). Only advances when `consume` is set and the form is valid.
   */
  private braceQuantifier(consume: boolean): { min: number; max: number } | null {
    let i = this.pos + 1;
    const start = i;
    while (isDigit(this.src.charCodeAt(i))) i++;
    if (i === start) return null;
    const min = Number(this.src.slice(start, i));
    let max = min;
    if (this.src.charCodeAt(i) === 0x2c /* , */) {
      i++;
      const maxStart = i;
      while (isDigit(this.src.charCodeAt(i))) i++;
      max = i === maxStart ? Infinity : Number(this.src.slice(maxStart, i));
    }
    if (this.src.charCodeAt(i) !== 0x7d /* } */) return null;
    if (consume) {
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) {
        this.fail(this.pos, `number too big in {} quantifier (PCRE's limit is ${MAX_REPEAT})`);
      }
      if (max < min) this.fail(this.pos, 'numbers out of order in {} quantifier');
      this.pos = i + 1;
    }
    return { min, max };
  }

  private quantified(atom: PcreNode): PcreNode {
    this.skipExtended();
    let min: number;
    let max: number;
    const c = this.peek();
    if (c === 0x2a) [min, max] = [0, Infinity];
    else if (c === 0x2b) [min, max] = [1, Infinity];
    else if (c === 0x3f) [min, max] = [0, 1];
    else if (c === 0x7b && this.braceQuantifier(false) !== null) {
      const q = this.braceQuantifier(true)!;
      [min, max] = [q.min, q.max];
    } else return atom;
    const quantAt = this.pos;
    if (c !== 0x7b) this.pos++;
    if (atom.kind === 'assert' || atom.kind === 'look') {
      this.fail(quantAt, 'a quantifier on an assertion is not supported');
    }
    let greedy = !this.opts.ungreedy;
    let possessive = false;
    const suffix = this.peek();
    if (suffix === 0x3f /* ? */) {
      greedy = !greedy;
      this.pos++;
    } else if (suffix === 0x2b /* + */) {
      possessive = true;
      greedy = true;
      this.pos++;
    }
    this.skipExtended();
    if (this.quantifierAhead()) this.fail(this.pos, 'quantifier does not follow a repeatable item');
    return { kind: 'repeat', body: atom, min, max, greedy, possessive };
  }

  // ---- groups ---------------------------------------------------------------------------------

  private group(at: number): PcreNode | null {
    const c = this.peek();
    if (c === 0x2a /* * */) this.fail(at, 'PCRE verbs and start options such as (*UTF) or (*SKIP) are not supported');
    if (c !== 0x3f /* ? */) {
      const capture = this.opts.noAutoCapture ? 0 : ++this.groupCount;
      return this.groupBody(at, capture, false, null);
    }
    this.pos++;
    const d = this.peek();
    switch (d) {
      case 0x3a /* : */:
        this.pos++;
        return this.groupBody(at, 0, false, null);
      case 0x3e /* > */:
        this.pos++;
        return this.groupBody(at, 0, true, null);
      case 0x3d /* = */:
      case 0x21 /* ! */:
        this.pos++;
        return this.lookaround(at, false, d === 0x21);
      case 0x23 /* # */: {
        const end = this.src.indexOf(')', this.pos);
        if (end === -1) this.fail(at, 'missing ) after (?# comment');
        this.pos = end + 1;
        return null;
      }
      case 0x7c /* | */:
        return this.fail(at, 'branch reset groups (?|...) are not supported');
      case 0x28 /* ( */:
        return this.fail(at, 'conditional groups (?(...)...) are not supported');
      case 0x43 /* C */:
        return this.fail(at, 'callouts (?C...) are not supported');
      case 0x52 /* R */:
      case 0x26 /* & */:
      case 0x2b /* + */:
        return this.fail(at, 'recursion and subroutine calls are not supported');
      case 0x3c /* < */: {
        const e = this.src.charCodeAt(this.pos + 1);
        if (e === 0x3d || e === 0x21) {
          this.pos += 2;
          return this.lookaround(at, true, e === 0x21);
        }
        this.pos++;
        return this.namedGroup(at, 0x3e /* > */);
      }
      case 0x27 /* ' */:
        this.pos++;
        return this.namedGroup(at, 0x27);
      case 0x50 /* P */: {
        const e = this.src.charCodeAt(this.pos + 1);
        if (e === 0x3c /* < */) {
          this.pos += 2;
          return this.namedGroup(at, 0x3e);
        }
        if (e === 0x3d /* = */) {
          this.pos += 2;
          const name = this.name(0x29 /* ) */);
          return this.backref(at, 0, name);
        }
        return this.fail(at, 'recursion and subroutine calls are not supported');
      }
      default:
        if (d === 0x2d || isDigit(d)) {
          if (isDigit(this.src.charCodeAt(this.pos + (d === 0x2d ? 1 : 0)))) {
            this.fail(at, 'recursion and subroutine calls are not supported');
          }
        }
        return this.optionSetting(at);
    }
  }

  private namedGroup(at: number, terminator: number): PcreNode {
    const name = this.name(terminator);
    if (this.names.has(name)) this.fail(at, `two named groups have the same name "${name}"`);
    const capture = ++this.groupCount;
    this.names.set(name, capture);
    return this.groupBody(at, capture, false, null);
  }

  /** A group name up to `terminator` (consumed); PCRE's rules for names. */
  private name(terminator: number): string {
    const start = this.pos;
    while (this.pos < this.src.length && this.src.charCodeAt(this.pos) !== terminator) this.pos++;
    if (this.pos >= this.src.length) this.fail(start, 'group name is not terminated');
    const name = this.src.slice(start, this.pos);
    this.pos++;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) this.fail(start, `"${name}" is not a valid group name`);
    if (name.length > MAX_NAME) this.fail(start, `group name "${name}" is longer than ${MAX_NAME} characters`);
    return name;
  }

  private groupBody(at: number, capture: number, atomic: boolean, scoped: Options | null): PcreNode {
    const saved = this.opts;
    if (scoped !== null) this.opts = scoped;
    this.opts = { ...this.opts };
    const body = this.alternation();
    if (this.peek() !== 0x29 /* ) */) this.fail(at, 'missing closing parenthesis');
    this.pos++;
    this.opts = saved;
    return { kind: 'group', capture, atomic, body };
  }

  private lookaround(at: number, behind: boolean, negate: boolean): PcreNode {
    const group = this.groupBody(at, 0, false, null);
    return { kind: 'look', behind, negate, body: (group as Extract<PcreNode, { kind: 'group' }>).body };
  }

  /** (?imnsxU-imnsxU) for the rest of the enclosing group, or (?flags:...) for its own body. */
  private optionSetting(at: number): PcreNode | null {
    const next = { ...this.opts };
    let on = true;
    if (this.peek() === 0x5e /* ^ */) {
      // PCRE2 10.32+: (?^) unsets i, m, n, s and x first.
      Object.assign(next, { caseless: false, multiline: false, noAutoCapture: false, dotall: false, extended: false, extendedMore: false });
      this.pos++;
    }
    for (;;) {
      const c = this.peek();
      if (c === -1) return this.fail(at, 'missing closing parenthesis after options');
      this.pos++;
      if (c === 0x29 /* ) */) {
        // PCRE: an option change reaches to the end of the enclosing group, across its "|".
        this.opts = next;
        return null;
      }
      if (c === 0x3a /* : */) return this.groupBody(at, 0, false, next);
      switch (c) {
        case 0x2d /* - */:
          if (!on) this.fail(this.pos - 1, 'only one "-" is allowed in an option setting');
          on = false;
          break;
        case 0x69 /* i */:
          next.caseless = on;
          break;
        case 0x6d /* m */:
          next.multiline = on;
          break;
        case 0x73 /* s */:
          next.dotall = on;
          break;
        case 0x6e /* n */:
          next.noAutoCapture = on;
          break;
        case 0x55 /* U */:
          next.ungreedy = on;
          break;
        case 0x78 /* x */:
          if (on && this.peek() === 0x78) {
            this.pos++;
            next.extendedMore = true;
          } else if (!on) {
            next.extendedMore = false;
          }
          next.extended = on;
          break;
        case 0x4a /* J */:
          this.fail(this.pos - 1, 'the J option (duplicate group names) is not supported');
          break;
        default:
          this.fail(this.pos - 1, `unrecognized character "${String.fromCharCode(c)}" after (? or (?-`);
      }
    }
  }

  // ---- escapes outside classes ----------------------------------------------------------------

  private escape(at: number): PcreNode | null {
    if (this.pos >= this.src.length) this.fail(at, '\\ at end of pattern');
    const c = this.src.charCodeAt(this.pos++);
    const ch = String.fromCharCode(c);
    const cls = CLASS_ESCAPES[ch];
    if (cls !== undefined) return { kind: 'set', set: cls };
    switch (ch) {
      case 'N':
        if (this.peek() === 0x7b) this.fail(at, '\\N{...} is not supported');
        return { kind: 'set', set: NOT_NEWLINE };
      case 'R':
        // Not atomic as in PCRE: \r\n can give back its \n when what follows needs it.
        return {
          kind: 'group',
          capture: 0,
          atomic: false,
          body: { kind: 'alt', branches: [{ kind: 'seq', items: [this.byteNode(0x0d), this.byteNode(0x0a)] }, { kind: 'set', set: VSPACE }] },
        };
      case 'b':
        return this.assertion('wordBoundary');
      case 'B':
        return this.assertion('notWordBoundary');
      case 'A':
        return this.assertion('start');
      case 'z':
        return this.assertion('end');
      case 'Z':
        return this.assertion('endOrFinalNewline');
      case 'Q':
        this.quoting = true;
        return null;
      case 'E':
        return null;
      case 'g':
        return this.gReference(at);
      case 'k': {
        const open = this.peek();
        const close = open === 0x3c ? 0x3e : open === 0x27 ? 0x27 : open === 0x7b ? 0x7d : -1;
        if (close === -1) this.fail(at, '\\k must be followed by <name>, \'name\' or {name}');
        this.pos++;
        return this.backref(at, 0, this.name(close));
      }
      case 'G':
        return this.fail(at, '\\G is not supported');
      case 'K':
        return this.fail(at, '\\K is not supported');
      case 'X':
      case 'C':
      case 'p':
      case 'P':
        return this.fail(at, `\\${ch} (Unicode or code-unit matching) is not supported in byte mode`);
      default:
        break;
    }
    if (c >= 0x31 && c <= 0x39) return this.numericEscape(at);
    return this.literal(this.charEscape(at, c, false));
  }

  private assertion(what: AssertKind): PcreNode {
    return { kind: 'assert', what };
  }

  /** A byte that is not subject to case folding (part of a fixed construct such as \R). */
  private byteNode(c: number): PcreNode {
    return { kind: 'set', set: ByteSet.of(c) };
  }

  /**
   * \1-\9 are always back references; \10 and up are when that many groups have opened before
   * (or the number starts with 8 or 9); otherwise up to three octal digits make a byte (PCRE2).
   */
  private numericEscape(at: number): PcreNode {
    const start = this.pos - 1;
    let end = start;
    while (isDigit(this.src.charCodeAt(end))) end++;
    const digits = this.src.slice(start, end);
    const n = Number(digits);
    const first = digits.charCodeAt(0);
    if (n < 10 || first === 0x38 || first === 0x39 || n <= this.groupCount) {
      this.pos = end;
      return this.backref(at, n, undefined);
    }
    let value = 0;
    let i = start;
    while (i < start + 3 && isOctal(this.src.charCodeAt(i))) value = value * 8 + (this.src.charCodeAt(i++) - 0x30);
    if (value > 0xff) this.fail(at, 'octal value is greater than \\377 in 8-bit non-UTF mode');
    this.pos = i;
    return this.literal(value);
  }

  /** \g{n}, \g{-n}, \gn, \g-n, \g{name}; \g<...> and \g'...' are subroutine calls in PCRE. */
  private gReference(at: number): PcreNode {
    const c = this.peek();
    if (c === 0x3c || c === 0x27) this.fail(at, 'recursion and subroutine calls are not supported');
    let text: string;
    if (c === 0x7b) {
      const end = this.src.indexOf('}', this.pos);
      if (end === -1) this.fail(at, '\\g{ is not terminated');
      text = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
      if (!/^[+-]?[0-9]+$/.test(text)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) this.fail(at, `"\\g{${text}}" is not a valid reference`);
        return this.backref(at, 0, text);
      }
    } else {
      const m = /^-?[0-9]+/.exec(this.src.slice(this.pos, this.pos + 12));
      if (m === null) this.fail(at, '\\g must be followed by a number or a braced name');
      text = m[0];
      this.pos += text.length;
    }
    if (text.startsWith('+')) this.fail(at, 'forward relative references \\g{+n} are not supported');
    let n = Number(text);
    if (n < 0) {
      n = this.groupCount + 1 + n;
      if (n < 1) this.fail(at, 'relative reference to a group that does not exist');
    }
    if (n === 0) this.fail(at, '\\g0 (recursion) is not supported');
    return this.backref(at, n, undefined);
  }

  private backref(at: number, group: number, name: string | undefined): PcreNode {
    // V8 compares back references case-sensitively without its `i` flag, which we never use
    // (its case folding differs from PCRE's on bytes above 0x7F).
    if (this.opts.caseless) this.fail(at, 'a back reference in a case-insensitive part of the pattern is not supported');
    const node: Extract<PcreNode, { kind: 'backref' }> =
      name === undefined ? { kind: 'backref', group, caseless: false, at } : { kind: 'backref', group, name, caseless: false, at };
    this.backrefs.push(node);
    return node;
  }

  /**
   * The byte of a single-character escape (after the backslash: c already consumed). Shared by
   * classes (inClass) and patterns; letters without a meaning are errors, as in PCRE2.
   */
  private charEscape(at: number, c: number, inClass: boolean): number {
    const ch = String.fromCharCode(c);
    const simple = CHAR_ESCAPES[ch];
    if (simple !== undefined) return simple;
    switch (ch) {
      case 'x':
        return this.hexEscape(at);
      case 'o': {
        if (this.peek() !== 0x7b) this.fail(at, '\\o must be followed by {octal digits}');
        const end = this.src.indexOf('}', this.pos);
        const digits = end === -1 ? '' : this.src.slice(this.pos + 1, end);
        if (!/^[0-7]+$/.test(digits)) this.fail(at, 'invalid \\o{...} escape');
        const value = parseInt(digits, 8);
        if (value > 0xff) this.fail(at, 'character value in \\o{} is too large for 8-bit non-UTF mode');
        this.pos = end + 1;
        return value;
      }
      case 'c': {
        const x = this.peek();
        if (x === -1) this.fail(at, '\\c at end of pattern');
        if (x < 0x20 || x > 0x7e) this.fail(at, '\\c must be followed by a printable ASCII character');
        this.pos++;
        const upper = x >= 0x61 && x <= 0x7a ? x - 0x20 : x;
        return upper ^ 0x40;
      }
      case '0': {
        // \0 and up to two more octal digits.
        let value = 0;
        let n = 0;
        while (n < 2 && isOctal(this.peek())) {
          value = value * 8 + (this.src.charCodeAt(this.pos++) - 0x30);
          n++;
        }
        return value;
      }
      default:
        break;
    }
    if (inClass && isDigit(c)) {
      // Inside a class there are no back references: \1-\7 start an octal number, \8 \9 are digits.
      if (!isOctal(c)) return c;
      let value = c - 0x30;
      let n = 1;
      while (n < 3 && isOctal(this.peek())) {
        value = value * 8 + (this.src.charCodeAt(this.pos++) - 0x30);
        n++;
      }
      if (value > 0xff) this.fail(at, 'octal value is greater than \\377 in 8-bit non-UTF mode');
      return value;
    }
    if (isAlnum(c)) this.fail(at, `unrecognized character follows \\ ("\\${ch}")`);
    return c;
  }

  /** \xHH (zero to two hex digits) or \x{H...} (at most 0xFF in 8-bit non-UTF mode). */
  private hexEscape(at: number): number {
    if (this.peek() === 0x7b) {
      const end = this.src.indexOf('}', this.pos);
      const digits = end === -1 ? '' : this.src.slice(this.pos + 1, end);
      if (!/^[0-9A-Fa-f]+$/.test(digits)) this.fail(at, 'invalid \\x{...} escape');
      const value = parseInt(digits, 16);
      if (value > 0xff) this.fail(at, `character value \\x{${digits}} is too large for 8-bit non-UTF mode`);
      this.pos = end + 1;
      return value;
    }
    let value = 0;
    for (let n = 0; n < 2; n++) {
      const h = hexValue(this.peek());
      if (h < 0) break;
      value = value * 16 + h;
      this.pos++;
    }
    return value;
  }

  // ---- character classes ----------------------------------------------------------------------

  private characterClass(at: number): ByteSet {
    let negate = false;
    if (this.peek() === 0x5e /* ^ */) {
      negate = true;
      this.pos++;
    }
    const set = new ByteSet();
    let first = true;
    for (;;) {
      if (this.pos >= this.src.length) this.fail(at, 'missing terminating ] for character class');
      const c = this.src.charCodeAt(this.pos);
      // PCRE: a "]" right after "[" or "[^" is a literal.
      if (c === 0x5d /* ] */ && !first && !this.quoting) {
        this.pos++;
        break;
      }
      first = false;
      if (this.opts.extendedMore && (c === 0x20 || c === 0x09)) {
        this.pos++;
        continue;
      }
      const quoted = this.quoting;
      const item = this.classItem(at);
      if (item === null) continue;
      if ('set' in item) {
        set.addSet(item.set);
        continue;
      }
      // A range needs "-" followed by something other than the closing "]".
      // Inside \Q...\E every byte is itself, "-" included.
      if (!quoted && !this.quoting && this.peek() === 0x2d && this.pos + 1 < this.src.length && this.src.charCodeAt(this.pos + 1) !== 0x5d) {
        const dashAt = this.pos;
        this.pos++;
        const hi = this.classItem(at);
        if (hi === null || 'set' in hi) this.fail(dashAt, 'invalid range in character class');
        if (hi.single < item.single) this.fail(dashAt, 'range out of order in character class');
        set.addRange(item.single, hi.single);
        continue;
      }
      set.add(item.single);
    }
    // Folding the whole union equals PCRE's folding of literals and ranges only: every escape and
    // POSIX set is closed under ASCII case (lower/upper become alpha when caseless, below).
    if (this.opts.caseless) set.foldAsciiCase();
    return negate ? set.inverted() : set;
  }

  /** One class member at pos, or null for \E / \Q markers that match nothing. */
  private classItem(classAt: number): ClassItem | null {
    const at = this.pos;
    const c = this.src.charCodeAt(this.pos++);
    if (this.quoting) {
      if (c === 0x5c && this.peek() === 0x45 /* E */) {
        this.pos++;
        this.quoting = false;
        return null;
      }
      return { single: c };
    }
    if (c === 0x5b /* [ */) {
      const d = this.peek();
      if (d === 0x3a /* : */ || d === 0x2e /* . */ || d === 0x3d /* = */) {
        const close = this.src.indexOf(String.fromCharCode(d) + ']', this.pos + 1);
        const inner = close === -1 ? '' : this.src.slice(this.pos + 1, close);
        if (close !== -1 && /^\^?[A-Za-z<>]*$/.test(inner)) {
          if (d !== 0x3a) this.fail(at, 'POSIX collating elements [.x.] and [=x=] are not supported');
          this.pos = close + 2;
          return { set: this.posix(at, inner) };
        }
      }
      return { single: c };
    }
    if (c !== 0x5c /* \ */) return { single: c };
    if (this.pos >= this.src.length) this.fail(classAt, 'missing terminating ] for character class');
    const e = this.src.charCodeAt(this.pos++);
    const ch = String.fromCharCode(e);
    const cls = CLASS_ESCAPES[ch];
    if (cls !== undefined) return { set: cls };
    switch (ch) {
      case 'b':
        return { single: 0x08 };
      case 'Q':
        this.quoting = true;
        return null;
      case 'E':
        return null;
      case 'N':
      case 'R':
      case 'X':
      case 'B':
      case 'A':
      case 'z':
      case 'Z':
      case 'G':
      case 'K':
      case 'g':
      case 'k':
      case 'p':
      case 'P':
      case 'C':
        return this.fail(at, `escape sequence \\${ch} is invalid in a character class`);
      default:
        return { single: this.charEscape(at, e, true) };
    }
  }

  private posix(at: number, inner: string): ByteSet {
    const negate = inner.startsWith('^');
    let name = negate ? inner.slice(1) : inner;
    // PCRE: when caseless, [:lower:] and [:upper:] both mean [:alpha:].
    if (this.opts.caseless && (name === 'lower' || name === 'upper')) name = 'alpha';
    const set = posixClass(name);
    if (set === undefined) this.fail(at, `unknown POSIX class name "${name}"`);
    return negate ? set.inverted() : set;
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** With the x option, skips pattern whitespace and #-comments (to the next \n). */
  private skipExtended(): void {
    if (!this.opts.extended || this.quoting) return;
    for (;;) {
      const c = this.peek();
      if (c !== -1 && isPatternSpace(c)) {
        this.pos++;
      } else if (c === 0x23 /* # */) {
        const nl = this.src.indexOf('\n', this.pos);
        this.pos = nl === -1 ? this.src.length : nl + 1;
      } else {
        return;
      }
    }
  }

  private peek(): number {
    return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1;
  }

  private startsWith(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  private fail(at: number, message: string): never {
    throw new PcreError(`${message} at offset ${at} of pattern "${shorten(this.src)}"`);
  }
}

function shorten(pattern: string): string {
  return pattern.length > 120 ? `${pattern.slice(0, 117)}...` : pattern;
}
