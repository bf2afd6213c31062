// Second opinion on a fingerprint found in the table. Short fingerprints (two or three tokens)
// also come out of ordinary text, so for them the tokens themselves must look deliberate:
// a comment that ends the input right after a closed string, a UNION reached by folding, a
// string concatenation that straddles the quotes the application adds.

import type { Folder } from './fold.js';
import type { Token } from './token.js';
import { isWhite } from './charclass.js';
import {
  T_BAREWORD, T_COMMENT, T_EVIL, T_FUNCTION, T_GROUP, T_KEYWORD, T_LOGIC, T_NUMBER, T_OPERATOR, T_STRING,
  T_UNION, T_VARIABLE, W_ATTACK,
} from './types.js';

/** True when the folded tokens of `s` confirm the table's verdict. */
export function confirm(f: Folder, s: string): boolean {
  const n = f.count;
  if (n >= 2 && f.tok(n - 1).type === T_COMMENT && containsFolded(s, 'sp_password')) {
    // SQL Server keeps statements that mention sp_password out of its trace log.
    return true;
  }
  if (n > 1 && proseLike(f) && f.comparisons === 0) {
    // Only values and AND/OR: "salt and pepper", "123-4567 or 1-800"; a condition compares,
    // or cuts the rest of the query off (' or true--).
    const last = f.tok(n - 1);
    return (n === 3 && isStraddle(f)) || (last.type === T_COMMENT && bareComment(last, s));
  }
  if (n <= 4 && f.tok(0).type === T_FUNCTION &&
    ((f.tok(0).flags & W_ATTACK) === 0 || !calledAtOnce(f.tok(0), s))) {
    // A lone call is an attack when it is sleep(5) or version(), not max(3, 4); and
    // "Version (2.1)" is a title, an injected call is written without the space.
    return false;
  }
  switch (n) {
    case 0: return false;
    case 1: return f.tok(0).type === T_EVIL;
    case 2: return confirmTwo(f, s);
    case 3: return confirmThree(f, s);
    default: return true;
  }
}

function confirmTwo(f: Folder, s: string): boolean {
  const a = f.tok(0);
  const b = f.tok(1);
  // "1 union" is a phrase; only with something folded or hidden around it is it an attack.
  if (b.type === T_UNION) return f.lex.tokens > 2;
  // "or 1=1", "|| sleep(5)": a condition joined to nothing visible.
  if (a.type === T_LOGIC) return true;
  // ORDER BY 3: probing the column count (LIMIT 100 is a phrase of English too).
  if (a.type === T_GROUP && a.text !== null && b.type === T_NUMBER) return true;
  // Anything else this short ("1;", "x')", "select 1") is too common in text to call.
  if (b.type !== T_COMMENT) return false;
  const block = b.charAt(s, 0) === 0x2f;
  switch (a.type) {
    case T_BAREWORD:
      return block; // "word -- text" is prose; "word/*" is not
    case T_NUMBER:
      // 1-- and 1 /* yes; 123-456-- (digits and dashes folded into one number) no.
      return block || (b.charAt(s, 0) === 0x2d && bareComment(b, s) && onlyWhiteBetween(s, a.pos + a.len, b.pos));
    case T_STRING:
      // name'-- : the quote closes the application's string and the comment drops the rest.
      return a.close !== 0 && onlyWhiteBetween(s, a.pos + a.len + 1, b.pos) && (block || bareComment(b, s));
    default:
      return block || bareComment(b, s);
  }
}

function confirmThree(f: Folder, s: string): boolean {
  const a = f.tok(0);
  const b = f.tok(1);
  const c = f.tok(2);
  if (a.type === T_STRING && c.type === T_STRING && (b.type === T_LOGIC || b.type === T_OPERATOR)) {
    return isStraddle(f);
  }
  if (b.type === T_KEYWORD) return b.text === 'INTO OUTFILE' || b.text === 'INTO DUMPFILE';
  // Two tokens and a comment: the comment must cut the query, not annotate text ("From home #1").
  if (c.type === T_COMMENT) return bareComment(c, s);
  return true;
}

/** ...x' || 'y... : both quotes are the application's own and the operator between is injected. */
function isStraddle(f: Folder): boolean {
  const a = f.tok(0);
  const b = f.tok(1);
  const c = f.tok(2);
  return a.type === T_STRING && c.type === T_STRING && (b.type === T_LOGIC || b.type === T_OPERATOR) &&
    a.open === 0 && c.close === 0 && a.close !== 0 && a.close === c.open;
}

/** Every token a plain value or AND/OR (a trailing comment aside), with at least one AND/OR. */
function proseLike(f: Folder): boolean {
  let logic = false;
  for (let i = 0; i < f.count; i++) {
    const t = f.tok(i).type;
    if (t === T_LOGIC) logic = true;
    else if (!isPlainValue(t) && !(t === T_COMMENT && i === f.count - 1)) return false;
  }
  return logic;
}

function isPlainValue(t: number): boolean {
  return t === T_NUMBER || t === T_BAREWORD || t === T_STRING || t === T_VARIABLE;
}

/** The function name is directly followed by "(" (a backtick-quoted name by "`("). */
function calledAtOnce(t: Token, s: string): boolean {
  let i = t.pos + t.len;
  if (s.charCodeAt(i) === 0x60) i++;
  return s.charCodeAt(i) === 0x28;
}

/**
 * A comment that cuts a query rather than annotates text: a block comment, "#" alone, or "--"
 * alone or followed by white space and at most one visible byte ("-- -", "--+" decoded).
 */
function bareComment(t: Token, s: string): boolean {
  const c = t.charAt(s, 0);
  if (c === 0x2f) return true;
  if (c === 0x23) return onlyWhite(t, s, 1); // "#tag" is a hashtag
  if (t.len > 2 && !isWhite(t.charAt(s, 2))) return false; // "--x" is a comment only in ANSI SQL
  let visible = 0;
  for (let i = 2; i < t.len; i++) {
    if (!isWhite(t.charAt(s, i)) && ++visible > 1) return false;
  }
  return true;
}

function onlyWhite(t: Token, s: string, from: number): boolean {
  for (let i = from; i < t.len; i++) if (!isWhite(t.charAt(s, i))) return false;
  return true;
}

function onlyWhiteBetween(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isWhite(s.charCodeAt(i))) return false;
  return true;
}

/** Case-insensitive search for a lower-case ASCII needle. */
function containsFolded(s: string, needle: string): boolean {
  const first = needle.charCodeAt(0);
  const last = s.length - needle.length;
  outer: for (let i = 0; i <= last; i++) {
    if ((s.charCodeAt(i) | 0x20) !== first) continue;
    for (let j = 1; j < needle.length; j++) {
      const c = s.charCodeAt(i + j);
      const l = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
      if (l !== needle.charCodeAt(j)) continue outer;
    }
    return true;
  }
  return false;
}
