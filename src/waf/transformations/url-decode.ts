// t:urlDecode: ModSecurity's non-strict URL decoding (utils::urldecode_nonstrict_inplace).
// "%HH" with two hex digits becomes that byte, '+' becomes a space; a '%' not followed by two
// hex digits (including one too close to the end) is kept as it is and decoding carries on
// right after it, so "%%41" gives "%A". %u escapes are not decoded (see urlDecodeUni).
import { anyByteOf, hexValue } from './byte-classes.js';
import { bufferWith, bytesToString } from './output-buffer.js';
import type { Transformation } from './transformation.js';

const TRIGGERS = '%+';
const TRIGGER = anyByteOf(TRIGGERS);

export const urlDecode: Transformation = {
  name: 'urlDecode',
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
      if (c === 0x25 && i + 2 < n) {
        const hi = hexValue(value.charCodeAt(i + 1));
        const lo = hexValue(value.charCodeAt(i + 2));
        if (hi >= 0 && lo >= 0) {
          out[d++] = (hi << 4) | lo;
          i += 3;
          changed = true;
          continue;
        }
      }
      if (c === 0x2b) {
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
