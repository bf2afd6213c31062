// t:cssDecode: CSS 2 escapes, as ModSecurity v3 decodes them.
// - "\" followed by 1-6 hex digits: one byte, the value of the last two digits (one digit: its
//   value). With 4 digits, or 5-6 digits whose extra leading digits are 0, the digits before
//   the last two are checked for "ff": full-width ASCII (\ff01-\ff5e) folds to 0x21-0x7e.
//   One whitespace byte after the digits belongs to the escape and is dropped.
// - "\" + newline is a line continuation: both go.
// - "\" + any other byte: the backslash goes, the byte stays.
// - A backslash that is the last byte goes too.
import { hexValue, isSpace } from './byte-classes.js';
import { bufferWith, bytesToString } from './output-buffer.js';
import type { Transformation } from './transformation.js';

/** True when the two digits at `at` and `at + 1` are both 'f' or 'F'. */
function isFF(value: string, at: number): boolean {
  return (value.charCodeAt(at) | 0x20) === 0x66 && (value.charCodeAt(at + 1) | 0x20) === 0x66;
}

/** The byte for the `count` (1-6) hex digits at `start`. */
function hexEscapeByte(value: string, start: number, count: number): number {
  if (count === 1) return hexValue(value.charCodeAt(start));
  const end = start + count;
  const b = (hexValue(value.charCodeAt(end - 2)) << 4) | hexValue(value.charCodeAt(end - 1));
  // Whether ModSecurity looks for a full-width (U+FFxx) character: exactly four digits, or
  // five/six whose leading one/two digits are zero.
  const fullCheck = count === 4
    || (count === 5 && value.charCodeAt(start) === 0x30)
    || (count === 6 && value.charCodeAt(start) === 0x30 && value.charCodeAt(start + 1) === 0x30);
  if (fullCheck && b > 0 && b < 0x5f && isFF(value, end - 4)) return b + 0x20;
  return b;
}

export const cssDecode: Transformation = {
  name: 'cssDecode',
  triggers: '\\',
  transform(value: string): string {
    let i = value.indexOf('\\');
    if (i === -1) return value;
    const n = value.length;
    const out = bufferWith(value);
    let d = i;
    while (i < n) {
      const c = value.charCodeAt(i);
      if (c !== 0x5c) {
        out[d++] = c;
        i++;
        continue;
      }
      i++; // the backslash never survives
      if (i >= n) break;
      let digits = 0;
      while (digits < 6 && i + digits < n && hexValue(value.charCodeAt(i + digits)) >= 0) digits++;
      if (digits > 0) {
        out[d++] = hexEscapeByte(value, i, digits);
        if (i + digits < n && isSpace(value.charCodeAt(i + digits))) digits++;
        i += digits;
      } else if (value.charCodeAt(i) === 0x0a) {
        i++;
      } else {
        out[d++] = value.charCodeAt(i++);
      }
    }
    // A backslash was removed, so the value changed.
    return bytesToString(out, d);
  },
};
