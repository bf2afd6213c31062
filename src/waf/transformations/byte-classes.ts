// Byte classes as ModSecurity sees them. libmodsecurity never calls setlocale(), so the C
// library's ctype functions (isspace, isxdigit, isalnum, tolower...) run in the "C" locale: only
// ASCII bytes are ever classified, bytes 0x80-0xFF are never spaces, digits or letters.
// Plain comparisons here are as fast as table lookups and keep the types exact. Every function
// takes a char code (NaN for a read past the end of a string is safe: it is in no class).

/** isspace() in the C locale: space, \t, \n, \v, \f, \r. */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** isdigit(): 0-9. */
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** ModSecurity's ISODIGIT: 0-7. */
export function isOctalDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

/** isalnum(): 0-9, A-Z, a-z. */
export function isAlnum(c: number): boolean {
  const lower = c | 0x20;
  return (c >= 0x30 && c <= 0x39) || (lower >= 0x61 && lower <= 0x7a);
}

/** The value of a hex digit (VALID_HEX / isxdigit), or -1 when `c` is not one. */
export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x57;
  return -1;
}

/** VALID_HEX / isxdigit(). */
export function isHexDigit(c: number): boolean {
  return hexValue(c) >= 0;
}

/**
 * ModSecurity's xsingle2c(): the value of one "hex digit" computed without validation, as
 * unsigned char arithmetic (t:hexDecode feeds it any byte; the garbage it makes is part of the
 * behaviour, e.g. "0z" decodes to '#').
 */
export function looseHexValue(c: number): number {
  return (c >= 0x41 ? (c & 0xdf) - 0x41 + 10 : c - 0x30) & 0xff;
}

/** ModSecurity's x2c() on two bytes: (xsingle2c(hi) * 16 + xsingle2c(lo)) as an unsigned char. */
export function looseHexPair(hi: number, lo: number): number {
  return ((looseHexValue(hi) << 4) + looseHexValue(lo)) & 0xff;
}

/** The char code of the lower-case hex digit for a nibble (0-15). */
export function hexDigitCode(nibble: number): number {
  return nibble < 10 ? 0x30 + nibble : 0x57 + nibble;
}

/**
 * A RegExp matching any one of `bytes` (a transformation's trigger bytes): the fast path that
 * returns a value unchanged and the `triggers` the prefilter reads then come from one string.
 */
export function anyByteOf(bytes: string): RegExp {
  let body = '';
  for (let i = 0; i < bytes.length; i++) body += `\\x${bytes.charCodeAt(i).toString(16).padStart(2, '0')}`;
  return new RegExp(`[${body}]`);
}
