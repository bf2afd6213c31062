// t:jsDecode: JavaScript escapes, as ModSecurity v3 decodes them.
// - "\uHHHH" (lower-case u only) keeps the low byte, with the full-width fold of urlDecodeUni
//   (\uFF01-\uFF5E become ASCII 0x21-0x7E).
// - "\xHH" (lower-case x only) is that byte.
// - "\OOO": one to three octal digits; three are used only if the first is 0-3, so the value
//   fits a byte ("\477" is "\47" then "7").
// - "\a \b \f \n \r \t \v" are the control characters; a backslash before any other byte
//   (including an incomplete \u or \x) is dropped and the byte kept: "\x" gives "x".
// - A backslash that is the last byte stays.
import { hexValue, isOctalDigit } from './byte-classes.js';
import { controlEscape } from './c-escape.js';
import { octalRunLength, octalValue } from './octal-escape.js';
import { bufferWith, bytesToString } from './output-buffer.js';
import type { Transformation } from './transformation.js';

/** The \uHHHH low byte with the full-width fold, or -1 if the four hex digits are not there. */
function unicodeEscapeByte(value: string, at: number): number {
  if (hexValue(value.charCodeAt(at)) < 0 || hexValue(value.charCodeAt(at + 1)) < 0) return -1;
  const hi = hexValue(value.charCodeAt(at + 2));
  const lo = hexValue(value.charCodeAt(at + 3));
  if (hi < 0 || lo < 0) return -1;
  const low = (hi << 4) | lo;
  const fullWidth = low > 0 && low < 0x5f
    && (value.charCodeAt(at) | 0x20) === 0x66 && (value.charCodeAt(at + 1) | 0x20) === 0x66;
  return fullWidth ? low + 0x20 : low;
}

export const jsDecode: Transformation = {
  name: 'jsDecode',
  triggers: '\\',
  transform(value: string): string {
    let i = value.indexOf('\\');
    if (i === -1) return value;
    const n = value.length;
    const out = bufferWith(value);
    let d = i;
    let changed = false;
    while (i < n) {
      const c = value.charCodeAt(i);
      if (c !== 0x5c) {
        out[d++] = c;
        i++;
        continue;
      }
      if (i + 1 >= n) {
        out[d++] = c; // a trailing backslash is kept
        i++;
        continue;
      }
      changed = true;
      const next = value.charCodeAt(i + 1);
      if (next === 0x75 && i + 5 < n) {
        const b = unicodeEscapeByte(value, i + 2);
        if (b >= 0) {
          out[d++] = b;
          i += 6;
          continue;
        }
      }
      if (next === 0x78 && i + 3 < n) {
        const hi = hexValue(value.charCodeAt(i + 2));
        const lo = hexValue(value.charCodeAt(i + 3));
        if (hi >= 0 && lo >= 0) {
          out[d++] = (hi << 4) | lo;
          i += 4;
          continue;
        }
      }
      if (isOctalDigit(next)) {
        let digits = octalRunLength(value, i + 1);
        // Three digits only when the value stays within one byte (first digit 0-3).
        if (digits === 3 && next > 0x33) digits = 2;
        out[d++] = octalValue(value, i + 1, digits);
        i += 1 + digits;
        continue;
      }
      const control = controlEscape(next);
      out[d++] = control >= 0 ? control : next;
      i += 2;
    }
    return changed ? bytesToString(out, d) : value;
  },
};
