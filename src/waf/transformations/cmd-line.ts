// t:cmdLine: normalises command lines the way ModSecurity v3 does, in one pass:
// - deletes  "  '  \  ^
// - turns each run of  space , ; \t \r \n  into one space
// - deletes a space written just before a '/' or '('
// - lower-cases A-Z (C locale: bytes 0x80-0xFF are left alone)
// Deleted quote characters do not end a run: "a ' ,b" gives "a b".
import { bufferWith, bytesToString, unlessSame } from './output-buffer.js';
import { anyByteOf } from './byte-classes.js';
import type { Transformation } from './transformation.js';

// Without any of these bytes nothing can change ('/' and '(' only matter after a space).
const TRIGGERS = '"\'\\^ ,;\t\r\nABCDEFGHIJKLMNOPQRSTUVWXYZ';
const TRIGGER = anyByteOf(TRIGGERS);

export const cmdLine: Transformation = {
  name: 'cmdLine',
  triggers: TRIGGERS,
  transform(value: string): string {
    let i = value.search(TRIGGER);
    if (i === -1) return value;
    const n = value.length;
    const out = bufferWith(value);
    let d = i;
    let space = false;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      switch (c) {
        case 0x22: case 0x27: case 0x5c: case 0x5e: // " ' \ ^
          break;
        case 0x20: case 0x2c: case 0x3b: case 0x09: case 0x0d: case 0x0a: // space , ; \t \r \n
          if (!space) {
            out[d++] = 0x20;
            space = true;
          }
          break;
        case 0x2f: case 0x28: // / (
          if (space) d--;
          space = false;
          out[d++] = c;
          break;
        default:
          out[d++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
          space = false;
      }
    }
    return unlessSame(value, bytesToString(out, d));
  },
};
