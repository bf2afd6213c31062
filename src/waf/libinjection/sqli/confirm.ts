// Second opinion on a fingerprint found in the table. Short fingerprints (two or three tokens)
// also come out of ordinary text, so for them the tokens themselves must look deliberate:
// a comment that ends the input right after a closed string, a UNION reached by folding, a
// string concatenation that straddles the quotes the application adds.

import type { Folder } from './fold.js';
import type { Token } from './token.js';
import { isWhite } from './charclass.js';
import {
  T_BAREWORD, T_COMMENT, T_EVIL, T_KEYWORD, T_LOGIC, T_NUMBER, T_OPERATOR, T_STRING, T_UNION,
  T_VARIABLE,
} from './types.js';

/** True when the folded tokens of `s` confirm the table's verdict. */
export function confirm(f: Folder, s: string): boolean {
  const n = f.count;
  if (n >= 2 && f.tok(n - 1).type === T_COMMENT && containsFolded(s, 'sp_password')) {
    // SQL Server keeps statements that mention sp_password out of its trace log.
    return true;
  }
  switch (n) {
    case 0: return false;
    case 1: return f.tok(0).type === T_EVIL;
    case 2: return confirmTwo(f, s);
    case 3: return confirmThree(f);
    default: return true;
  }
}

function confirmTwo(f: Folder, s: string): boolean {
  const a = f.tok(0);
  const b = f.tok(1);
  // "1 union" is a phrase; only with something folded or hidden around it is it an attack.
  if (b.type === T_UNION) return f.lex.tokens > 2;
  if (b.type !== T_COMMENT) return true;
  const block = b.charAt(s, 0) === 0x2f;
  switch (a.type) {
    case T_BAREWORD:
      return block; // "word -- text" is prose; "word/*" is not
    case T_NUMBER:
      return block || (b.charAt(s, 0) === 0x2d && bareComment(b, s));
    case T_STRING:
      // name'-- : the quote closes the application's string and the comment drops the rest.
      return a.close !== 0 && onlyWhiteBetween(s, a.pos + a.len + 1, b.pos) && (block || bareComment(b, s));
    default:
      return block || bareComment(b, s);
  }
}

function confirmThree(f: Folder): boolean {
  const a = f.tok(0);
  const b = f.tok(1);
  const c = f.tok(2);
  if (a.type === T_STRING && c.type === T_STRING && (b.type === T_LOGIC || b.type === T_OPERATOR)) {
    // ...x' || 'y... : both quotes are the application's own, the operator is injected.
    return a.open === 0 && c.close === 0 && a.close === c.open;
  }
  if (b.type === T_LOGIC && isPlainValue(a.type) && isPlainValue(c.type)) {
    // "sexy and 17" is prose, "x and 17<18" folded a comparison.
    return f.lex.tokens > 3;
  }
  if (b.type === T_KEYWORD) return b.text === 'INTO OUTFILE' || b.text === 'INTO DUMPFILE';
  return true;
}

function isPlainValue(t: number): boolean {
  return t === T_NUMBER || t === T_BAREWORD || t === T_STRING || t === T_VARIABLE;
}

/** A line comment with at most two visible bytes after its marker ("--", "-- -", "#"). */
function bareComment(t: Token, s: string): boolean {
  if (t.charAt(s, 0) === 0x2f) return true;
  const from = t.charAt(s, 0) === 0x23 ? 1 : 2;
  let visible = 0;
  for (let i = from; i < t.len; i++) {
    if (!isWhite(t.charAt(s, i)) && ++visible > 2) return false;
  }
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
