// ModSecurity's non-strict URL decoding of one argument name or value (v3 utils::
// urldecode_nonstrict_inplace): '+' becomes a space, "%XX" with two hex digits becomes that byte,
// and a '%' that does not start a valid escape is kept as it is (the next bytes are then decoded
// normally, so "%%41" gives "%A"). Input and output are byte strings.

const PERCENT = 0x25;
const PLUS = 0x2b;

/** Value of a hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x57;
  return -1;
}

/** Index of the first '%' or '+' at or after `from`, or -1. */
function firstSpecial(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === PERCENT || c === PLUS) return i;
  }
  return -1;
}

/** Decodes `s` the way ModSecurity decodes arguments; returns `s` itself when nothing changes. */
export function urlDecodeNonStrict(s: string): string {
  let i = firstSpecial(s, 0);
  if (i === -1) return s;
  const len = s.length;
  let out = '';
  let copied = 0; // s[copied, i) still has to be appended verbatim
  while (i !== -1) {
    if (s.charCodeAt(i) === PLUS) {
      out += s.slice(copied, i) + ' ';
      copied = i + 1;
      i = firstSpecial(s, i + 1);
      continue;
    }
    // A '%' needs two more bytes (v3 checks `s + 2 < end`); otherwise it stays as it is.
    if (i + 2 < len) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out += s.slice(copied, i) + String.fromCharCode((hi << 4) | lo);
        copied = i + 3;
        i = firstSpecial(s, i + 3);
        continue;
      }
    }
    i = firstSpecial(s, i + 1);
  }
  return copied === 0 && out === '' ? s : out + s.slice(copied);
}

/** Whether decoding `s` meets a '%' that does not start a valid escape (v3's invalid_count > 0). */
export function hasInvalidUrlEscape(s: string): boolean {
  const len = s.length;
  for (let i = s.indexOf('%'); i !== -1; i = s.indexOf('%', i + 1)) {
    if (i + 2 >= len || hexValue(s.charCodeAt(i + 1)) < 0 || hexValue(s.charCodeAt(i + 2)) < 0) return true;
    i += 2;
  }
  return false;
}
