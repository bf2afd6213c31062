// t:escapeSeqDecode: ANSI C escapes, as ModSecurity v3 decodes them.
// - "\a \b \f \n \r \t \v \\ \? \' \"" are the usual bytes.
// - "\xHH" or "\XHH" (two hex digits) is that byte.
// - "\O", "\OO", "\OOO" (up to three octal digits) is that value truncated to a byte: unlike
//   jsDecode there is no first-digit limit, so "\666" (438) gives 0xB6.
// - A backslash before anything else (including an incomplete \x) is dropped and the next byte
//   kept; a backslash that is the last byte stays.
import { hexValue, isOctalDigit } from './byte-classes.js';
import { controlEscape } from './c-escape.js';
import { octalRunLength, octalValue } from './octal-escape.js';
import { bufferWith, bytesToString } from './output-buffer.js';
import type { Transformation } from './transformation.js';

/** The byte a simple escape stands for, or -1. */
function simpleEscape(c: number): number {
  if (c === 0x5c || c === 0x3f || c === 0x27 || c === 0x22) return c; // \\ \? \' \"
  return controlEscape(c);
}

export const escapeSeqDecode: Transformation = {
  name: 'escapeSeqDecode',
  triggers: '\\',
  transform(value: string): string {
    let i = value.indexOf('\\');
    if (i === -1 || i === value.length - 1) return value;
    const n = value.length;
    const out = bufferWith(value);
    let d = i;
    while (i < n) {
      const c = value.charCodeAt(i);
      if (c !== 0x5c || i + 1 >= n) {
        out[d++] = c;
        i++;
        continue;
      }
      const next = value.charCodeAt(i + 1);
      const simple = simpleEscape(next);
      if (simple >= 0) {
        out[d++] = simple;
        i += 2;
        continue;
      }
      if ((next === 0x78 || next === 0x58) && i + 3 < n) {
        const hi = hexValue(value.charCodeAt(i + 2));
        const lo = hexValue(value.charCodeAt(i + 3));
        if (hi >= 0 && lo >= 0) {
          out[d++] = (hi << 4) | lo;
          i += 4;
          continue;
        }
      }
      if (isOctalDigit(next)) {
        const digits = octalRunLength(value, i + 1);
        out[d++] = octalValue(value, i + 1, digits) & 0xff;
        i += 1 + digits;
        continue;
      }
      out[d++] = next;
      i += 2;
    }
    // Every backslash that has a byte after it is consumed, so the value always changed.
    return bytesToString(out, d);
  },
};
