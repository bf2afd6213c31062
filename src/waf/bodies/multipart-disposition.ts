// A part's Content-Disposition value, parsed exactly as ModSecurity v3 parses it
// (Multipart::parse_content_disposition), including its return codes (-1 .. -21), which v3 puts in
// the error message. The value is a byte string without NUL bytes (part headers with NUL are
// refused earlier), so "end of string" is where v3 sees the terminating '\0'.

import { isAlnum, isTokenChar, isXDigit } from './multipart-chars.js';

/** The part fields the parse fills in; they stay set even when the parse fails later. */
export interface DispositionTarget {
  name: string;
  filename: string;
  /** MULTIPART_INVALID_QUOTING: a single quote used for quoting, or a stray quote. */
  invalidQuoting: number;
}

const MIME_CHARSET_SPECIAL: ReadonlySet<number> = codes('!#$%&+-^_`{}~');
const ATTR_CHAR_SPECIAL: ReadonlySet<number> = codes('!#$&+-.^_`~');
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;
const SEMICOLON = 0x3b;

function codes(chars: string): ReadonlySet<number> {
  return new Set(Array.from(chars, (ch) => ch.charCodeAt(0)));
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** A cursor over the value; `at()` past the end is 0, like the C terminator. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  at(offset = 0): number {
    const i = this.pos + offset;
    return i < this.text.length ? this.text.charCodeAt(i) : 0;
  }
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
  skipBlanks(): void {
    while (isBlank(this.at())) this.pos++;
  }
}

/** filename*=charset'[language]'value: the value part, or a negative v3 code. */
function readExtendedValue(cur: Cursor): string | number {
  const charsetStart = cur.pos;
  while (!cur.atEnd() && (isAlnum(cur.at()) || MIME_CHARSET_SPECIAL.has(cur.at()))) cur.pos++;
  if (cur.at() !== SQUOTE || cur.pos === charsetStart) return -16;
  cur.pos++;
  while (!cur.atEnd() && cur.at() !== SQUOTE) cur.pos++;
  if (cur.at() !== SQUOTE) return -17;
  cur.pos++;
  const start = cur.pos;
  while (!cur.atEnd() && cur.at() !== SEMICOLON) {
    const c = cur.at();
    if (c === 0x25) {
      if (!isXDigit(cur.at(1)) || !isXDigit(cur.at(2))) return -18;
      cur.pos += 3;
    } else if (isAlnum(c) || ATTR_CHAR_SPECIAL.has(c)) {
      cur.pos++;
    } else {
      return -19;
    }
  }
  return cur.text.slice(start, Math.min(cur.pos, cur.text.length));
}

/**
 * A quoted value (either quote; a single quote sets invalidQuoting). Only the quote itself and
 * '\' can be escaped; any other backslash is kept, because "IE sends improperly escaped content".
 * v3 steps over the closing quote even when there is none (reading past the terminator); we treat
 * that as the end of the value.
 */
function readQuotedValue(cur: Cursor, target: DispositionTarget): string | number {
  const quote = cur.at();
  if (quote === SQUOTE) target.invalidQuoting = 1;
  cur.pos++;
  if (cur.atEnd()) return -7;
  let value = '';
  let copied = cur.pos;
  while (!cur.atEnd()) {
    const c = cur.at();
    if (c === BACKSLASH) {
      const next = cur.at(1);
      if (cur.pos + 1 >= cur.text.length) return -8;
      if (next === quote || next === BACKSLASH) {
        value += cur.text.slice(copied, cur.pos);
        cur.pos++; // drop the backslash, keep the escaped character
        copied = cur.pos;
      }
    } else if (c === quote) {
      break;
    }
    cur.pos++;
  }
  value += cur.text.slice(copied, cur.pos);
  cur.pos++; // over the closing quote
  return value;
}

/** A quote other than '"' inside a name or filename (v3's validate_quotes). */
function validateQuotes(value: string, quote: number, target: DispositionTarget): void {
  if (quote !== DQUOTE && value.includes("'")) target.invalidQuoting = 1;
}

/** One `param=value`; returns 0 to go on, or a negative v3 code. */
function parseParameter(cur: Cursor, target: DispositionTarget, state: { filenameStar: string }): number {
  cur.skipBlanks();
  if (cur.atEnd()) return -3;
  const nameStart = cur.pos;
  while (!cur.atEnd() && cur.at() !== 0x3d && !isBlank(cur.at())) cur.pos++;
  if (cur.atEnd()) return -4;
  const name = cur.text.slice(nameStart, cur.pos);
  cur.skipBlanks();
  if (cur.atEnd()) return -5;
  if (cur.at() !== 0x3d) return -13;
  cur.pos++;
  cur.skipBlanks();
  if (cur.atEnd()) return -6;

  let quote = 0;
  let value: string | number;
  if (name === 'filename*') {
    value = readExtendedValue(cur);
  } else if (cur.at() === DQUOTE || cur.at() === SQUOTE) {
    quote = cur.at();
    value = readQuotedValue(cur, target);
  } else {
    const start = cur.pos;
    while (!cur.atEnd() && isTokenChar(cur.at())) cur.pos++;
    value = cur.text.slice(start, cur.pos);
  }
  if (typeof value === 'number') return value;

  if (name === 'name') {
    validateQuotes(value, quote, target);
    if (target.name.length > 0) return -14;
    target.name = value;
  } else if (name === 'filename') {
    validateQuotes(value, quote, target);
    if (target.filename.length > 0) return -15;
    target.filename = value;
  } else if (name === 'filename*') {
    if (state.filenameStar.length > 0) return -20;
    state.filenameStar = value;
  } else {
    return -11;
  }

  if (!cur.atEnd()) {
    cur.skipBlanks();
    if (!cur.atEnd()) {
      if (cur.at() !== SEMICOLON) {
        // A quote right before the junk means the client quoted in a way we did not understand.
        const before = cur.at(-1);
        if (before === SQUOTE || before === DQUOTE) target.invalidQuoting = 1;
        return -12;
      }
      cur.pos++;
    }
  }
  return 0;
}

/**
 * Parses `value` into `target`; returns 1 when it is acceptable, otherwise v3's negative code.
 * Linear in the value.
 */
export function parseContentDisposition(value: string, target: DispositionTarget): number {
  if (!value.startsWith('form-data')) return -1; // case-sensitive, as v3's strncmp
  const cur = new Cursor(value);
  cur.pos = 9;
  cur.skipBlanks();
  if (cur.atEnd()) return 1;
  if (cur.at() !== SEMICOLON) return -2;
  cur.pos++;
  const state = { filenameStar: '' };
  while (!cur.atEnd()) {
    const rc = parseParameter(cur, target, state);
    if (rc < 0) return rc;
  }
  if (state.filenameStar.length > 0 && target.filename.length === 0) return -21;
  return 1;
}
