// Reads an attribute value one character at a time as a browser sees it: HTML character
// references are decoded (`&#106;`, `&#x6A` — the `;` is optional — and the few named ones that
// can spell or hide a URL scheme), anything else is taken as is. A reader is a reusable cursor,
// so reading allocates nothing.

// All of HTML's named references are not needed: no other one stands for an ASCII letter or
// digit, a colon, a slash or a space that URL parsers delete.
const NAMED: ReadonlyArray<readonly [string, number]> = [
  ['colon;', 0x3a], ['Tab;', 0x09], ['NewLine;', 0x0a], ['sol;', 0x2f], ['lpar;', 0x28], ['bsol;', 0x5c],
];

/** Code points beyond Unicode are capped here: they match nothing. */
const OUT_OF_RANGE = 0x110000;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

export class CharReader {
  /** Index of the next unread byte. */
  pos = 0;

  /** The next character (decoded), or -1 at `end`. */
  read(s: string, end: number): number {
    const i = this.pos;
    if (i >= end) return -1;
    const c = s.charCodeAt(i);
    if (c !== 0x26) {
      this.pos = i + 1;
      return c;
    }
    return this.reference(s, i, end);
  }

  /** At s[i] === '&': a character reference, or '&' itself when there is none. */
  private reference(s: string, i: number, end: number): number {
    this.pos = i + 1;
    if (i + 1 < end && s.charCodeAt(i + 1) === 0x23) return this.numeric(s, i + 2, end);
    for (const [name, code] of NAMED) {
      if (i + 1 + name.length <= end && s.startsWith(name, i + 1)) {
        this.pos = i + 1 + name.length;
        return code;
      }
    }
    return 0x26;
  }

  /** After "&#": decimal digits, or x and hex digits; leading zeros are legal, so read them all. */
  private numeric(s: string, p: number, end: number): number {
    const hex = p < end && (s.charCodeAt(p) | 0x20) === 0x78;
    let q = hex ? p + 1 : p;
    const digitsStart = q;
    let value = 0;
    for (; q < end; q++) {
      const c = s.charCodeAt(q);
      const d = hex ? hexValue(c) : c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
      if (d < 0) break;
      value = Math.min(value * (hex ? 16 : 10) + d, OUT_OF_RANGE);
    }
    if (q === digitsStart) return 0x26; // "&#" without digits is text
    if (q < end && s.charCodeAt(q) === 0x3b) q++;
    this.pos = q;
    return value;
  }
}
