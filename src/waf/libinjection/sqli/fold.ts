// Folding: the token stream is reduced to at most MAX_TOKENS tokens that carry the shape of the
// input. Comments in the middle are dropped (the last one is kept if it ends the input),
// arithmetic and comparisons of plain values collapse into one value, unary operators and casts
// disappear, runs of parentheses merge, and multi-word phrases join (UNION ALL, ORDER BY).
//
// The loop keeps a window of tokens: v[0, left) are settled, v[left, pos) are candidates. A rule
// looks at two or three candidates; after a rule that may enable folding further left, scanning
// restarts from 0 (cheap: the vector holds at most MAX_TOKENS + 1 tokens). Every rule either
// consumes a token or changes a type so that it cannot fire again, and a step budget bounds
// the loop regardless.

import { Lexer } from './lexer.js';
import { Token } from './token.js';
import {
  T_BACKSLASH, T_BAREWORD, T_COLLATE, T_COMMA, T_COMMENT, T_DOT, T_EVIL, T_EXPRESSION, T_FUNCTION,
  T_GROUP, T_KEYWORD, T_LBRACE, T_LOGIC, T_LPAREN, T_NUMBER, T_OPERATOR, T_RBRACE, T_RPAREN,
  T_SEMICOLON, T_SQLTYPE, T_STRING, T_TSQL, T_UNION, T_VARIABLE, W_IF, W_IN, W_LIKE, W_NILADIC,
} from './types.js';
import { WORDS } from './word-table.js';

export const MAX_TOKENS = 5;

export class Folder {
  readonly lex = new Lexer();
  /** The folded tokens; count of them in `count` after fold(). */
  readonly v: Token[] = [];
  count = 0;
  /** Comparisons folded into a value (1=1, x LIKE y): the mark of a condition, not of prose. */
  comparisons = 0;
  private readonly lastComment = new Token();
  private hasLastComment = false;
  private input = '';
  private pos = 0;
  private left = 0;
  private more = true;

  constructor() {
    for (let i = 0; i < MAX_TOKENS + 3; i++) this.v.push(new Token());
  }

  tok(i: number): Token {
    return this.v[i]!;
  }

  /** Tokenizes and folds `input` under `flags`; returns the number of folded tokens. */
  fold(input: string, flags: number): number {
    this.input = input;
    this.lex.reset(input, flags);
    this.hasLastComment = false;
    this.comparisons = 0;
    this.count = this.run();
    return this.count;
  }

  private run(): number {
    const first = this.tok(0);
    // Leading comments, "(" and unary operators say nothing about the shape: "((-1 or 1=1".
    for (;;) {
      if (!this.lex.next(first)) return 0;
      if (!(first.type === T_COMMENT || first.type === T_LPAREN || first.type === T_SQLTYPE || isUnary(first, this.input))) break;
    }
    if (first.type === T_EVIL) return 1;
    this.pos = 1;
    this.left = 0;
    this.more = true;
    let steps = 0;
    for (;;) {
      // Each step consumes a token, settles one, or retypes one for good; this bound is never
      // reached by those rules and only guards against a rule that would not make progress.
      if (++steps > 64 + 16 * this.lex.tokens) break;
      if (!this.more || this.left >= MAX_TOKENS) {
        this.left = this.pos;
        break;
      }
      this.fill(2);
      if (this.pos - this.left < 2) {
        this.left = this.pos;
        continue;
      }
      const r2 = this.pair();
      if (r2 === EVIL_FOUND) return this.left + 2;
      if (r2 === FOLDED) continue;
      this.fill(3);
      if (this.pos - this.left < 3) {
        this.left = this.pos;
        continue;
      }
      if (this.triple()) continue;
      this.left++;
    }
    let n = this.left;
    if (!this.more && n > 0 && n <= MAX_TOKENS) {
      // A function name that ends the input was never called.
      const last = this.tok(n - 1);
      if (last.type === T_FUNCTION && (last.flags & W_NILADIC) === 0) last.type = T_BAREWORD;
    }
    if (n < MAX_TOKENS && this.hasLastComment) {
      this.tok(n).copyFrom(this.lastComment);
      n++;
    }
    return n > MAX_TOKENS ? MAX_TOKENS : n;
  }

  /** Reads tokens until `want` candidates are in the window (comments are set aside). */
  private fill(want: number): void {
    while (this.more && this.pos <= MAX_TOKENS && this.pos - this.left < want) {
      const t = this.tok(this.pos);
      this.more = this.lex.next(t);
      if (!this.more) return;
      if (t.type === T_COMMENT) {
        this.lastComment.copyFrom(t);
        this.hasLastComment = true;
      } else {
        this.hasLastComment = false;
        this.pos++;
      }
    }
  }

  /** Drops the token at index i, shifting the later candidates down. */
  private drop(i: number): void {
    for (let j = i; j + 1 < this.pos; j++) this.tok(j).copyFrom(this.tok(j + 1));
    this.pos--;
  }

  /** Two-token rules on v[left], v[left + 1], in order: joins, then retypes, then strips. */
  private pair(): number {
    const a = this.tok(this.left);
    const b = this.tok(this.left + 1);
    if (this.joinPair(a, b) || this.retypePair(a, b)) return FOLDED;
    return this.stripPair(a, b);
  }

  /** Two tokens that are one: 'a' 'b', ;;, "= -1", UNION ALL. */
  private joinPair(a: Token, b: Token): boolean {
    const l = this.left;
    const at = a.type;
    const bt = b.type;
    const s = this.input;
    if ((at === T_STRING && bt === T_STRING) || (at === T_SEMICOLON && bt === T_SEMICOLON)) {
      // 'a' 'b' is one string in SQL; ;; is one statement break.
      this.drop(l + 1);
      return true;
    }
    if ((at === T_OPERATOR || at === T_LOGIC) && (isUnary(b, s) || bt === T_SQLTYPE)) {
      this.drop(l + 1); // "= -1", "AND NOT", "= BINARY 'x'"
      this.left = 0;
      return true;
    }
    if ((at === T_LPAREN && isUnary(b, s)) || this.mergeWords(a, b)) {
      this.drop(l + 1); // "(-1", "UNION" "ALL"
      if (this.left > 0) this.left--;
      return true;
    }
    return false;
  }

  /** A word whose type depends on what follows it. */
  private retypePair(a: Token, b: Token): boolean {
    const at = a.type;
    const bt = b.type;
    if (at === T_SEMICOLON && bt === T_FUNCTION && (b.flags & W_IF) !== 0) {
      b.type = T_TSQL; // "; IF (...)" is T-SQL control flow, not MySQL's IF()
      b.flags = 0;
      return true;
    }
    if (at === T_FUNCTION && bt !== T_LPAREN && (a.flags & W_NILADIC) === 0) {
      a.type = T_BAREWORD; // a function name without a call is just a word
      return true;
    }
    if ((a.flags & W_IN) !== 0 && at === T_KEYWORD) {
      a.type = bt === T_LPAREN ? T_OPERATOR : T_BAREWORD; // x IN (...), but "in" as a word
      a.flags = 0;
      return true;
    }
    if ((a.flags & W_LIKE) !== 0 && at === T_OPERATOR && bt === T_LPAREN && b.pos === a.pos + a.len) {
      a.type = T_FUNCTION; // like(a, b), written as a call
      a.flags = 0;
      return true;
    }
    if (at === T_COLLATE && bt === T_BAREWORD && hasUnderscore(b, this.input)) {
      b.type = T_SQLTYPE; // collation names (latin1_general_ci) have an underscore
      this.left = 0;
      return true;
    }
    return false;
  }

  /** Tokens that add nothing to the shape: casts, T-SQL backslashes, doubled parentheses, ODBC braces. */
  private stripPair(a: Token, b: Token): number {
    const l = this.left;
    const at = a.type;
    const bt = b.type;
    if (at === T_SQLTYPE && isCastable(bt)) {
      this.drop(l); // a cast in front of a value: INT 1, BINARY 'x'
    } else if (at === T_BACKSLASH) {
      // T-SQL reads \1 as 1 and \%1 as 0 % 1.
      if (isArithmetic(b, this.input)) a.type = T_NUMBER;
      else this.drop(l);
    } else if ((at === T_LPAREN && bt === T_LPAREN) || (at === T_RPAREN && bt === T_RPAREN)) {
      this.drop(l + 1);
    } else if (at === T_LBRACE && bt === T_BAREWORD) {
      // ODBC escapes {fn ...} {d '...'}: drop the brace and its tag. {`` is a MySQL oddity.
      if (b.len === 0) {
        b.type = T_EVIL;
        return EVIL_FOUND;
      }
      this.drop(l + 1);
      this.drop(l);
    } else if (bt === T_RBRACE) {
      this.drop(l + 1);
    } else {
      return NOTHING;
    }
    this.left = 0;
    return FOLDED;
  }

  /** Three-token rules on v[left, left + 3). */
  private triple(): boolean {
    const l = this.left;
    const a = this.tok(l);
    const b = this.tok(l + 1);
    const c = this.tok(l + 2);
    const at = a.type;
    const bt = b.type;
    const ct = c.type;
    const s = this.input;
    if ((at === T_NUMBER || at === T_BAREWORD || at === T_VARIABLE) && bt === T_OPERATOR &&
      (ct === T_NUMBER || ct === T_BAREWORD || (at === T_VARIABLE && ct === T_VARIABLE))) {
      if (isComparison(b, s)) this.comparisons++;
      return this.keepFirstOfThree(); // 1+2, a=b, x/y, @a:=1: one value
    }
    if (at === T_OPERATOR && bt !== T_LPAREN && ct === T_OPERATOR) return this.keepFirstOfThree();
    if (at === T_LOGIC && ct === T_LOGIC) return this.keepFirstOfThree();
    if (isValue(at) && bt === T_OPERATOR && ct === T_SQLTYPE && isDoubleColon(b, s)) {
      return this.keepFirstOfThree(); // x::int
    }
    if (isValue(at) && bt === T_COMMA && isValue(ct)) return this.keepFirstOfThree(); // 1, 2
    if (isUnary(b, s)) {
      if (((at === T_EXPRESSION || at === T_GROUP || at === T_COMMA) && ct === T_LPAREN) ||
        ((at === T_KEYWORD || at === T_EXPRESSION || at === T_GROUP || at === T_COMMA) &&
          (isValue(ct) || ct === T_FUNCTION))) {
        this.drop(l + 1); // SELECT -1, LIMIT +(, 1,-2
        this.left = 0;
        return true;
      }
    }
    if (bt === T_DOT && ct === T_BAREWORD && (at === T_BAREWORD || at === T_EXPRESSION)) {
      if (at === T_BAREWORD) return this.keepFirstOfThree(); // db . table
      this.drop(l + 1); // SELECT . `x`
      this.left = 0;
      return true;
    }
    if (at === T_LPAREN && (bt === T_NUMBER || bt === T_BAREWORD) && ct === T_RPAREN && l > 0 &&
      isJoiner(this.tok(l - 1).type)) {
      // A bracketed single value between operators is the value: 1 = (1), or (1) = (2).
      this.drop(l + 2);
      this.drop(l);
      this.left = 0;
      return true;
    }
    return false;
  }

  private keepFirstOfThree(): boolean {
    this.drop(this.left + 2);
    this.drop(this.left + 1);
    this.left = 0;
    return true;
  }

  /** Joins two words into a listed phrase ("UNION" "ALL" → "UNION ALL"). */
  private mergeWords(a: Token, b: Token): boolean {
    if (!isWordType(a.type) || !(isWordType(b.type) || b.type === T_LOGIC)) return false;
    const s = this.input;
    const as = a.text ?? s;
    const a0 = a.text !== null ? 0 : a.pos;
    const bs = b.text ?? s;
    const b0 = b.text !== null ? 0 : b.pos;
    const e = WORDS.findPair(as, a0, a0 + a.len, bs, b0, b0 + b.len);
    if (e < 0) return false;
    const text = WORDS.keyOf(e);
    a.type = WORDS.typeOf(e);
    a.flags = WORDS.flagsOf(e);
    a.text = text;
    a.len = text.length;
    return true;
  }
}

const NOTHING = 0;
const FOLDED = 1;
const EVIL_FOUND = 2;

function isWordType(t: number): boolean {
  return t === T_KEYWORD || t === T_BAREWORD || t === T_OPERATOR || t === T_UNION || t === T_FUNCTION ||
    t === T_EXPRESSION || t === T_TSQL || t === T_SQLTYPE;
}

/** + - ! ~ !! and NOT. */
export function isUnary(t: Token, s: string): boolean {
  if (t.type !== T_OPERATOR) return false;
  const c = t.charAt(s, 0);
  if (t.len === 1) return c === 0x2b || c === 0x2d || c === 0x21 || c === 0x7e;
  if (t.len === 2) return c === 0x21 && t.charAt(s, 1) === 0x21;
  return t.len === 3 && (c | 0x20) === 0x6e && (t.charAt(s, 1) | 0x20) === 0x6f && (t.charAt(s, 2) | 0x20) === 0x74;
}

function isArithmetic(t: Token, s: string): boolean {
  if (t.type !== T_OPERATOR || t.len !== 1) return false;
  const c = t.charAt(s, 0);
  return c === 0x2a || c === 0x2f || c === 0x2d || c === 0x2b || c === 0x25;
}

/** An operator that compares (= < LIKE IS ...), as opposed to arithmetic and bit operators. */
function isComparison(t: Token, s: string): boolean {
  const c = t.charAt(s, 0);
  if (c >= 0x41) return !(t.len === 3 && ((c | 0x20) === 0x64 || (c | 0x20) === 0x6d)); // not DIV, MOD
  for (let i = 0; i < t.len; i++) {
    const x = t.charAt(s, i);
    if (x === 0x3d) return true; // = <= >= != <=> :=
    if ((x === 0x3c || x === 0x3e) && t.len === 1) return true;
  }
  return t.len === 2 && c === 0x3c && t.charAt(s, 1) === 0x3e; // <>
}

function isDoubleColon(t: Token, s: string): boolean {
  return t.len === 2 && t.charAt(s, 0) === 0x3a && t.charAt(s, 1) === 0x3a;
}

function isValue(t: number): boolean {
  return t === T_NUMBER || t === T_BAREWORD || t === T_STRING || t === T_VARIABLE;
}

function isCastable(t: number): boolean {
  return isValue(t) || t === T_SQLTYPE || t === T_LPAREN || t === T_FUNCTION;
}

function isJoiner(t: number): boolean {
  return t === T_OPERATOR || t === T_LOGIC || t === T_COMMA || t === T_LPAREN;
}

function hasUnderscore(t: Token, s: string): boolean {
  for (let i = 0; i < t.len; i++) if (t.charAt(s, i) === 0x5f) return true;
  return false;
}
