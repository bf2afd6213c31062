// t:utf8toUnicode: every well-formed UTF-8 multi-byte sequence becomes "%uHHHH" (lower-case
// hex, at least four digits: U+E9 is "%u00e9", U+1F600 is "%u1f600"), so that a later
// t:urlDecodeUni folds it to one byte. Everything ModSecurity v3 does besides is kept:
// - a lead byte (C0-F7) whose sequence is cut short or has a bad continuation byte is dropped;
//   the continuation bytes that follow are then kept as they are, like any stray 80-BF byte
//   and like F8-FF;
// - F5-F7 (beyond U+10FFFF) are written out raw before being decoded as usual;
// - after an overlong form (e.g. C0 80) or a surrogate (ED A0 80) the lead byte is written
//   again, raw, after the %u escape;
// - a NUL byte is dropped unless it is the last byte of the value.
import { hexDigitCode } from './byte-classes.js';
import { bytesToString, expandableLength, outputBuffer } from './output-buffer.js';
import type { Transformation } from './transformation.js';

// Output bytes per input byte, rounded up: the worst is an overlong pair (C0 80 gives "%u0000"
// and C0 again, 7 bytes for 2).
const MAX_EXPANSION = 4;
const HIGH_BYTE = /[\x80-\xff]/;

/** The byte at `i`, or 0 past the end (ModSecurity reads the C string's NUL there). */
function byteOrNul(value: string, i: number): number {
  return i < value.length ? value.charCodeAt(i) : 0;
}

function isContinuation(c: number): boolean {
  return (c & 0xc0) === 0x80;
}

/** Writes "%u" and the code point in hex, padded to four digits; returns the new end. */
function writeUnicodeEscape(out: Uint8Array, d: number, codePoint: number): number {
  out[d++] = 0x25;
  out[d++] = 0x75;
  let digits = 4;
  while (codePoint >> (digits * 4) !== 0) digits++;
  for (let k = digits - 1; k >= 0; k--) out[d++] = hexDigitCode((codePoint >> (k * 4)) & 0x0f);
  return d;
}

/** How many bytes the sequence led by `c` takes (2-4), or 0 for a byte that leads none. */
function sequenceLength(c: number): number {
  if ((c & 0xe0) === 0xc0) return 2;
  if ((c & 0xf0) === 0xe0) return 3;
  if ((c & 0xf8) === 0xf0) return 4;
  return 0;
}

/** The code point of the `len`-byte sequence at `i`, or -1 when it is cut short or malformed. */
function decodeSequence(value: string, i: number, len: number, total: number): number {
  // ModSecurity compares `len` with the whole value's length, not with what is left; past the
  // end it then reads the terminating NUL, which is no continuation byte either.
  if (total < len) return -1;
  const lead = value.charCodeAt(i);
  let cp = lead & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
  for (let k = 1; k < len; k++) {
    const b = byteOrNul(value, i + k);
    if (!isContinuation(b)) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  return cp;
}

/** The smallest code point a `len`-byte sequence may encode without being overlong. */
function minimumCodePoint(len: number): number {
  return len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000;
}

/** Index of the first byte that may change (a byte above 0x7F, or a NUL before the last byte). */
function firstToRewrite(value: string): number {
  const high = value.search(HIGH_BYTE);
  const nul = value.indexOf('\0');
  const nulThatGoes = nul !== -1 && nul < value.length - 1 ? nul : -1;
  if (high === -1) return nulThatGoes === -1 ? value.length : nulThatGoes;
  return nulThatGoes === -1 || high < nulThatGoes ? high : nulThatGoes;
}

/** A NUL (when not last) and every byte above 0x7F may be rewritten; nothing else is. */
const TRIGGERS = `\0${String.fromCharCode(...Array.from({ length: 128 }, (_, i) => 0x80 + i))}`;

export const utf8toUnicode: Transformation = {
  name: 'utf8toUnicode',
  triggers: TRIGGERS,
  transform(value: string): string {
    const total = value.length;
    let i = firstToRewrite(value);
    if (i === total) return value;
    const n = expandableLength(total, MAX_EXPANSION);
    const out = outputBuffer(n * MAX_EXPANSION + 8);
    out.write(value, 0, i, 'latin1');
    let d = i;
    while (i < n) {
      const c = value.charCodeAt(i) & 0xff;
      if (c < 0x80) {
        // ModSecurity writes a NUL without advancing, so the next byte overwrites it.
        if (c !== 0 || i + 1 >= total) out[d++] = c;
        i++;
        continue;
      }
      const len = sequenceLength(c);
      if (len === 0) {
        out[d++] = c;
        i++;
        continue;
      }
      if (c >= 0xf5) out[d++] = c;
      const cp = decodeSequence(value, i, len, total);
      if (cp < 0) {
        i++;
        continue;
      }
      d = writeUnicodeEscape(out, d, cp);
      if (cp >= 0xd800 && cp <= 0xdfff) out[d++] = c;
      if (cp < minimumCodePoint(len)) out[d++] = c;
      i += len;
    }
    return bytesToString(out, d);
  },
};
