// t:urlDecodeUni: t:urlDecode plus IIS-style "%uHHHH". ModSecurity keeps only the low byte of
// the code point ("%u0131" gives 0x31), except that full-width ASCII (U+FF01-U+FF5E, written
// %uFFxx with the low byte in 0x01-0x5E) is folded to plain ASCII by adding 0x20 ("%uFF1C" gives
// '<'). An invalid or truncated %u escape keeps its "%u" and decoding resumes after them.
// SecUnicodeMapFile (a code point to byte table) is not supported; without it ModSecurity
// does exactly the above.
import { anyByteOf, hexValue } from './byte-classes.js';
import { bufferWith, bytesToString } from './output-buffer.js';
import type { Transformation } from './transformation.js';

const TRIGGERS = '%+';
const TRIGGER = anyByteOf(TRIGGERS);

/** ModSecurity's full-width fold: %uFFxx with xx in 01-5E decodes to xx + 0x20. */
function lowByteOfUnicodeEscape(value: string, at: number, low: number): number {
  const fullWidth = low > 0 && low < 0x5f
    && (value.charCodeAt(at) | 0x20) === 0x66 && (value.charCodeAt(at + 1) | 0x20) === 0x66;
  return fullWidth ? low + 0x20 : low;
}

export const urlDecodeUni: Transformation = {
  name: 'urlDecodeUni',
  triggers: TRIGGERS,
  transform(value: string): string {
    let i = value.search(TRIGGER);
    if (i === -1) return value;
    const n = value.length;
    const out = bufferWith(value);
    let d = i;
    let changed = false;
    while (i < n) {
      const c = value.charCodeAt(i);
      if (c === 0x25) {
        const next = value.charCodeAt(i + 1);
        if (next === 0x75 || next === 0x55) {
          if (i + 5 < n && hexValue(value.charCodeAt(i + 2)) >= 0 && hexValue(value.charCodeAt(i + 3)) >= 0) {
            const hi = hexValue(value.charCodeAt(i + 4));
            const lo = hexValue(value.charCodeAt(i + 5));
            if (hi >= 0 && lo >= 0) {
              out[d++] = lowByteOfUnicodeEscape(value, i + 2, (hi << 4) | lo);
              i += 6;
              changed = true;
              continue;
            }
          }
          // Not a complete %uHHHH: keep "%u" and go on after it.
          out[d++] = c;
          out[d++] = next;
          i += 2;
          continue;
        }
        if (i + 2 < n) {
          const hi = hexValue(next);
          const lo = hexValue(value.charCodeAt(i + 2));
          if (hi >= 0 && lo >= 0) {
            out[d++] = (hi << 4) | lo;
            i += 3;
            changed = true;
            continue;
          }
        }
        out[d++] = c;
      } else if (c === 0x2b) {
        out[d++] = 0x20;
        changed = true;
      } else {
        out[d++] = c;
      }
      i++;
    }
    return changed ? bytesToString(out, d) : value;
  },
};
