// The SQL tokenizer: one routine per character class, each consuming one token. It never backs
// up, so a pass over the input is linear; every search (closing quote, end of comment) moves
// forward from the current position and the position always advances.

import {
  C_BACKSLASH, C_BRACKET, C_CHAR, C_DASH, C_DIGIT, C_HASH, C_MONEY, C_OPERATOR, C_PREFIX, C_QUOTE,
  C_SLASH, C_TICK, C_VAR, C_WHITE, C_WORD, classOf, isDigit, isWhite, isWordByte,
} from './charclass.js';
import { Token } from './token.js';
import {
  QUOTE_DOUBLE, QUOTE_SINGLE, SQL_ANSI, SQL_MYSQL, T_BACKSLASH, T_BAREWORD, T_COLON, T_COMMENT,
  T_DOT, T_EVIL, T_FUNCTION, T_LOGIC, T_NUMBER, T_OPERATOR, T_STRING, T_UNKNOWN, T_VARIABLE,
} from './types.js';
import { WORDS } from './word-table.js';

const BACKSLASH = 0x5c;
const SQUOTE = 0x27;
const DQUOTE = 0x22;
const TICK = 0x60;
const NEWLINE = '\n';

/** Two-byte operators, as (first << 8 | second). */
const OPERATORS2 = new Set<number>(
  ['!=', '<>', '<=', '>=', '==', '<<', '>>', ':=', '::', '!<', '!>', '~*', '!~', '^=', '|=', '&=',
    '+=', '*=', '%=', '!!', '||', '&&']
    .map((op) => (op.charCodeAt(0) << 8) | op.charCodeAt(1)),
);

/** Longest dollar-quote tag we accept ($tag$...$tag$): keeps the closing search cheap. */
const MAX_DOLLAR_TAG = 16;

export class Lexer {
  private s = '';
  private n = 0;
  private pos = 0;
  private flags = 0;
  /** The first token is still to be read as the tail of an already-open string. */
  private inQuote = 0;
  /** Tokens produced so far in this pass (comments included). */
  tokens = 0;
  /** "--x" read as a comment under ANSI rules (MySQL would read "- -x"). */
  dashComments = 0;
  /** "#" seen (a comment only under MySQL rules). */
  hashComments = 0;

  reset(s: string, flags: number): void {
    this.s = s;
    this.n = s.length;
    this.pos = 0;
    this.flags = flags;
    this.inQuote = (flags & QUOTE_SINGLE) !== 0 ? SQUOTE : (flags & QUOTE_DOUBLE) !== 0 ? DQUOTE : 0;
    this.tokens = 0;
    this.dashComments = 0;
    this.hashComments = 0;
  }

  /** Reads the next token into t; false at the end of the input. */
  next(t: Token): boolean {
    if (this.inQuote !== 0) {
      // The input is read as the tail of a string the application already opened.
      this.pos = this.quoted(t, 0, this.inQuote, 0);
      this.inQuote = 0;
      this.tokens++;
      return true;
    }
    const s = this.s;
    while (this.pos < this.n) {
      const cls = classOf(s.charCodeAt(this.pos));
      if (cls === C_WHITE) {
        this.pos++;
        continue;
      }
      this.pos = this.dispatch(t, cls, this.pos);
      this.tokens++;
      return true;
    }
    return false;
  }

  private dispatch(t: Token, cls: number, p: number): number {
    const c = this.s.charCodeAt(p);
    switch (cls) {
      case C_QUOTE: return this.quoted(t, p + 1, c, c);
      case C_TICK: return this.ticked(t, p);
      case C_DASH: return this.dash(t, p);
      case C_SLASH: return this.slash(t, p);
      case C_HASH: return this.hash(t, p);
      case C_BACKSLASH: return this.backslash(t, p);
      case C_VAR: return this.variable(t, p);
      case C_MONEY: return this.money(t, p);
      case C_DIGIT: return this.number(t, p);
      case C_PREFIX: return this.prefixed(t, p);
      case C_WORD: return this.word(t, p);
      case C_BRACKET: return this.bracketed(t, p);
      case C_OPERATOR: return this.operator(t, p);
      case C_CHAR:
        t.set(c, p, 1);
        return p + 1;
      default:
        t.set(T_UNKNOWN, p, 1);
        return p + 1;
    }
  }

  /**
   * A string whose body starts at `from` and ends at the next quote q that is neither escaped by
   * an odd run of backslashes nor doubled ('it''s'). `open` is the opening quote (0: simulated).
   */
  private quoted(t: Token, from: number, q: number, open: number): number {
    const s = this.s;
    let i = from;
    for (;;) {
      const j = q === SQUOTE ? s.indexOf('\'', i) : q === DQUOTE ? s.indexOf('"', i) : s.indexOf('`', i);
      if (j < 0) {
        t.set(T_STRING, from, this.n - from);
        t.open = open;
        return this.n;
      }
      let k = j - 1;
      while (k >= from && s.charCodeAt(k) === BACKSLASH) k--;
      if (((j - 1 - k) & 1) === 1) {
        i = j + 1;
        continue;
      }
      if (j + 1 < this.n && s.charCodeAt(j + 1) === q) {
        i = j + 2;
        continue;
      }
      t.set(T_STRING, from, j - from);
      t.open = open;
      t.close = q;
      return j + 1;
    }
  }

  /** `name` (MySQL): a name, or a function when the quoted text is a function name. */
  private ticked(t: Token, p: number): number {
    const end = this.quoted(t, p + 1, TICK, TICK);
    const e = WORDS.find(this.s, t.pos, t.pos + t.len);
    const fn = e >= 0 && WORDS.typeOf(e) === T_FUNCTION;
    t.type = fn ? T_FUNCTION : T_BAREWORD;
    if (fn) t.flags = WORDS.flagsOf(e);
    return end;
  }

  private dash(t: Token, p: number): number {
    const s = this.s;
    const next = s.charCodeAt(p + 1);
    if (next === 0x2d) {
      // "--" then white space or the end is a comment everywhere; "--x" only outside MySQL.
      if (p + 2 >= this.n || isWhite(s.charCodeAt(p + 2))) return this.lineComment(t, p);
      if ((this.flags & SQL_ANSI) !== 0) {
        this.dashComments++;
        return this.lineComment(t, p);
      }
    } else if (next === 0x3e) { // -> and ->> (JSON paths)
      const len = s.charCodeAt(p + 2) === 0x3e ? 3 : 2;
      t.set(T_OPERATOR, p, len);
      return p + len;
    } else if (next === 0x3d) { // -=
      t.set(T_OPERATOR, p, 2);
      return p + 2;
    }
    t.set(T_OPERATOR, p, 1);
    return p + 1;
  }

  private slash(t: Token, p: number): number {
    const s = this.s;
    const next = s.charCodeAt(p + 1);
    if (next !== 0x2a) {
      const len = next === 0x3d ? 2 : 1; // /=
      t.set(T_OPERATOR, p, len);
      return p + len;
    }
    const close = s.indexOf('*/', p + 2);
    const end = close < 0 ? this.n : close + 2;
    t.set(T_COMMENT, p, end - p);
    // MySQL runs the body of /*! ... */ as SQL, and PostgreSQL nests comments: either way the
    // text cannot be tokenized the way the database will read it.
    if (s.charCodeAt(p + 2) === 0x21 || (close >= 0 && opensComment(s, p + 2, close))) t.type = T_EVIL;
    return end;
  }

  private hash(t: Token, p: number): number {
    this.hashComments++;
    if ((this.flags & SQL_MYSQL) !== 0) return this.lineComment(t, p);
    t.set(T_OPERATOR, p, 1);
    return p + 1;
  }

  private lineComment(t: Token, p: number): number {
    const nl = this.s.indexOf(NEWLINE, p);
    const end = nl < 0 ? this.n : nl;
    t.set(T_COMMENT, p, end - p);
    return nl < 0 ? this.n : nl + 1;
  }

  private backslash(t: Token, p: number): number {
    if (this.s.charCodeAt(p + 1) === 0x4e) { // \N is MySQL's NULL
      t.set(T_NUMBER, p, 2);
      return p + 2;
    }
    t.set(T_BACKSLASH, p, 1);
    return p + 1;
  }

  /** @name, @@name, @`name`, @'name', @"name". */
  private variable(t: Token, p: number): number {
    const s = this.s;
    let i = p + 1;
    if (s.charCodeAt(i) === 0x40) i++;
    const c = s.charCodeAt(i);
    if (c === TICK || c === SQUOTE || c === DQUOTE) {
      const end = this.quoted(t, i + 1, c, c);
      t.type = T_VARIABLE;
      return end;
    }
    const start = i;
    while (isWordByte(s.charCodeAt(i))) i++;
    t.set(T_VARIABLE, start, i - start);
    return i;
  }

  /** $1,000.00 (money), $$text$$ and $tag$text$tag$ (PostgreSQL), $name. */
  private money(t: Token, p: number): number {
    const s = this.s;
    let i = p + 1;
    while (isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2e || s.charCodeAt(i) === 0x2c) i++;
    if (i > p + 1 && isDigit(s.charCodeAt(p + 1))) {
      t.set(T_NUMBER, p, i - p);
      return i;
    }
    if (s.charCodeAt(p + 1) === 0x24) return this.dollarQuoted(t, p, 2);
    i = p + 1;
    while (isTagByte(s.charCodeAt(i)) && i - p <= MAX_DOLLAR_TAG) i++;
    if (i > p + 1 && s.charCodeAt(i) === 0x24) return this.dollarQuoted(t, p, i + 1 - p);
    return this.word(t, p);
  }

  /** A dollar-quoted string whose opening tag is s[p, p + tagLen). */
  private dollarQuoted(t: Token, p: number, tagLen: number): number {
    const s = this.s;
    const from = p + tagLen;
    const close = s.indexOf(s.slice(p, from), from);
    if (close < 0) {
      t.set(T_STRING, from, this.n - from);
      t.open = 0x24;
      return this.n;
    }
    t.set(T_STRING, from, close - from);
    t.open = 0x24;
    t.close = 0x24;
    return close + tagLen;
  }

  /** 12, 1.5, .5, 1e-3, 0x1F, 0b101, 1.5f (Oracle); a lone '.' is a dot. */
  private number(t: Token, p: number): number {
    const s = this.s;
    const c1 = s.charCodeAt(p + 1) | 0x20;
    if (s.charCodeAt(p) === 0x30 && (c1 === 0x78 || c1 === 0x62)) {
      const hex = c1 === 0x78;
      let i = p + 2;
      while (hex ? isHexDigit(s.charCodeAt(i)) : isBinDigit(s.charCodeAt(i))) i++;
      // "0x" without digits is a name in every dialect that has 0x literals.
      t.set(i === p + 2 ? T_BAREWORD : T_NUMBER, p, i - p);
      return i;
    }
    let i = p;
    while (isDigit(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) === 0x2e) {
      i++;
      while (isDigit(s.charCodeAt(i))) i++;
      if (i === p + 1) {
        t.set(T_DOT, p, 1);
        return i;
      }
    }
    if ((s.charCodeAt(i) | 0x20) === 0x65) { // exponent, only when digits follow
      let j = i + 1;
      const sign = s.charCodeAt(j);
      if (sign === 0x2b || sign === 0x2d) j++;
      if (isDigit(s.charCodeAt(j))) {
        i = j;
        while (isDigit(s.charCodeAt(i))) i++;
      }
    }
    const suffix = s.charCodeAt(i) | 0x20;
    if ((suffix === 0x64 || suffix === 0x66) && !isWordByte(s.charCodeAt(i + 1))) i++;
    t.set(T_NUMBER, p, i - p);
    return i;
  }

  /** Letters that may open a literal: b'01', x'1F', n'..', e'..', q'[..]', nq'[..]', u&'..'. */
  private prefixed(t: Token, p: number): number {
    const s = this.s;
    const c = s.charCodeAt(p) | 0x20;
    const next = s.charCodeAt(p + 1);
    if (next === SQUOTE) {
      if (c === 0x62 || c === 0x78) return this.bitString(t, p, c === 0x78);
      if (c === 0x6e || c === 0x65) return this.quoted(t, p + 2, SQUOTE, SQUOTE);
      if (c === 0x71) return this.qQuoted(t, p, p + 1);
    } else if (c === 0x6e && (next | 0x20) === 0x71 && s.charCodeAt(p + 2) === SQUOTE) {
      return this.qQuoted(t, p, p + 2);
    } else if (c === 0x75 && next === 0x26 && s.charCodeAt(p + 2) === SQUOTE) {
      return this.quoted(t, p + 3, SQUOTE, SQUOTE);
    }
    return this.word(t, p);
  }

  /** b'0101' / x'1F2E': a number when well formed, otherwise the letter is a word. */
  private bitString(t: Token, p: number, hex: boolean): number {
    const s = this.s;
    let i = p + 2;
    while (hex ? isHexDigit(s.charCodeAt(i)) : isBinDigit(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== SQUOTE) return this.word(t, p);
    t.set(T_NUMBER, p, i + 1 - p);
    return i + 1;
  }

  /** Oracle q'<delim>text<delim>' starting at p; `quote` is the index of the quote after q. */
  private qQuoted(t: Token, p: number, quote: number): number {
    const s = this.s;
    const d = s.charCodeAt(quote + 1);
    if (!(d > 0x20 && d < 0x7f)) return this.word(t, p);
    const closeDelim = d === 0x28 ? 0x29 : d === 0x5b ? 0x5d : d === 0x7b ? 0x7d : d === 0x3c ? 0x3e : d;
    const from = quote + 2;
    let i = from;
    while (i + 1 < this.n && !(s.charCodeAt(i) === closeDelim && s.charCodeAt(i + 1) === SQUOTE)) i++;
    if (i + 1 >= this.n) {
      t.set(T_STRING, from, this.n - from);
      t.open = SQUOTE;
      return this.n;
    }
    t.set(T_STRING, from, i - from);
    t.open = SQUOTE;
    t.close = SQUOTE;
    return i + 2;
  }

  /**
   * A word: a keyword, function, operator word or bareword. A dot inside splits the word when
   * what comes before it is a keyword (SELECT.1, UNION.SELECT is how some evasions read).
   */
  private word(t: Token, p: number): number {
    const s = this.s;
    const maxLen = WORDS.maxLen;
    let end = p + 1;
    for (;;) {
      const c = s.charCodeAt(end);
      if (!isWordByte(c)) break;
      // Split as soon as a keyword ends at a dot (never scan past the split: the rest of a
      // long dotted word would otherwise be read again for every token of it).
      if (c === 0x2e && end - p <= maxLen) {
        const e = WORDS.find(s, p, end);
        if (e >= 0 && WORDS.typeOf(e) !== T_BAREWORD) {
          this.typed(t, e, p, end - p);
          return end;
        }
      }
      end++;
    }
    const e = WORDS.find(s, p, end);
    if (e >= 0) this.typed(t, e, p, end - p);
    else t.set(T_BAREWORD, p, end - p);
    return end;
  }

  private typed(t: Token, entry: number, p: number, len: number): void {
    t.set(WORDS.typeOf(entry), p, len);
    t.flags = WORDS.flagsOf(entry);
  }

  /** [name] (SQL Server): a bareword up to the closing bracket. */
  private bracketed(t: Token, p: number): number {
    const close = this.s.indexOf(']', p + 1);
    const end = close < 0 ? this.n : close + 1;
    t.set(T_BAREWORD, p, end - p);
    return end;
  }

  private operator(t: Token, p: number): number {
    const s = this.s;
    const c = s.charCodeAt(p);
    const next = s.charCodeAt(p + 1);
    if (c === 0x3c && next === 0x3d && s.charCodeAt(p + 2) === 0x3e) { // <=>
      t.set(T_OPERATOR, p, 3);
      return p + 3;
    }
    if (c === 0x21 && next === 0x7e && s.charCodeAt(p + 2) === 0x2a) { // !~*
      t.set(T_OPERATOR, p, 3);
      return p + 3;
    }
    if (OPERATORS2.has((c << 8) | next)) { // (NaN past the end ORs in as 0: no match)
      const logic = (c === 0x7c || c === 0x26) && next === c; // || &&
      t.set(logic ? T_LOGIC : T_OPERATOR, p, 2);
      return p + 2;
    }
    t.set(c === 0x3a ? T_COLON : T_OPERATOR, p, 1);
    return p + 1;
  }
}

/** True when "/*" starts somewhere in s[from, to]. */
function opensComment(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (s.charCodeAt(i) === 0x2f && s.charCodeAt(i + 1) === 0x2a) return true;
  }
  return false;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function isBinDigit(c: number): boolean {
  return c === 0x30 || c === 0x31;
}

function isTagByte(c: number): boolean {
  const l = c | 0x20;
  return (l >= 0x61 && l <= 0x7a) || c === 0x5f;
}
