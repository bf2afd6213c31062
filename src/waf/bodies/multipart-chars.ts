// Character classes of the C library as ModSecurity's multipart parser uses them ("C" locale),
// on char codes of byte strings.

/** isspace(): space, \t, \n, \v, \f, \r. */
export function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** isalnum(): ASCII letters and digits. */
export function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** isxdigit(). */
export function isXDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** RFC 2616 token characters (v3's Multipart::is_token_char): no CTLs, space, or separators. */
const TOKEN_SEPARATORS: ReadonlySet<number> = new Set(Array.from('()<>@,;:\\"/[]?=', (ch) => ch.charCodeAt(0)));

export function isTokenChar(c: number): boolean {
  return c > 32 && c < 127 && !TOKEN_SEPARATORS.has(c);
}
