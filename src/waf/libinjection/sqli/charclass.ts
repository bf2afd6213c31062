// Byte → tokenizer routine, and byte → "continues a word", as 256-entry tables built once.

export const C_OTHER = 0; // a byte with no SQL meaning: an unknown token of its own
export const C_WHITE = 1;
export const C_QUOTE = 2; // ' "
export const C_TICK = 3; // `
export const C_DASH = 4; // -  (operator or -- comment)
export const C_SLASH = 5; // /  (operator or /* comment */)
export const C_HASH = 6; // #  (operator, or a comment in MySQL)
export const C_BACKSLASH = 7;
export const C_VAR = 8; // @
export const C_MONEY = 9; // $
export const C_DIGIT = 10; // 0-9 and '.'
export const C_WORD = 11;
export const C_PREFIX = 12; // letters that may open a special literal: b'01' x'ff' n'' e'' q'' u&''
export const C_BRACKET = 13; // [ (SQL Server quoted name)
export const C_OPERATOR = 14; // one to three bytes of operator
export const C_CHAR = 15; // a token of one byte whose type is the byte: ( ) , ; { }

function build(): { cls: Uint8Array; word: Uint8Array; white: Uint8Array } {
  const cls = new Uint8Array(256); // C_OTHER by default (controls, ] ? and friends)
  const set = (chars: string, c: number): void => {
    for (let i = 0; i < chars.length; i++) cls[chars.charCodeAt(i)] = c;
  };
  const white = '\x00\t\n\v\f\r \xa0';
  set(white, C_WHITE);
  set('\'"', C_QUOTE);
  set('`', C_TICK);
  set('-', C_DASH);
  set('/', C_SLASH);
  set('#', C_HASH);
  set('\\', C_BACKSLASH);
  set('@', C_VAR);
  set('$', C_MONEY);
  set('0123456789.', C_DIGIT);
  for (let c = 0x41; c <= 0x5a; c++) {
    cls[c] = C_WORD;
    cls[c + 0x20] = C_WORD;
  }
  set('_', C_WORD);
  for (let c = 0x80; c <= 0xff; c++) if (c !== 0xa0) cls[c] = C_WORD;
  set('bBxXnNeEqQuU', C_PREFIX);
  set('[', C_BRACKET);
  set('<>=!|&:~+*%^', C_OPERATOR);
  set('(),;{}', C_CHAR);

  // A word goes on through letters, digits, '_', '$', '.' (qualified names such as
  // information_schema.tables stay one word) and non-ASCII bytes (UTF-8 text).
  const word = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    const k = cls[c] ?? C_OTHER;
    word[c] = k === C_WORD || k === C_PREFIX || k === C_DIGIT || k === C_MONEY ? 1 : 0;
  }
  const isWhite = new Uint8Array(256);
  for (let i = 0; i < white.length; i++) isWhite[white.charCodeAt(i)] = 1;
  return { cls, word, white: isWhite };
}

const TABLES = build();

/** Routine for byte c (chars above 255 should not occur; they read as word bytes). */
export function classOf(c: number): number {
  return c < 256 ? (TABLES.cls[c] ?? C_OTHER) : C_WORD;
}

/** True when byte c continues a word or variable name. NaN (past the end) is false. */
export function isWordByte(c: number): boolean {
  if (c < 256) return TABLES.word[c] === 1;
  return c > 255;
}

export function isWhite(c: number): boolean {
  return c < 256 && TABLES.white[c] === 1;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
