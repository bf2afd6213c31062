// t:removeComments, with ModSecurity v3's exact (and partly surprising) behaviour:
// - "/*" ... "*/" and "<!--" ... "-->" are removed;
// - "--" or "#" outside a comment ends the value: it and everything after it are removed;
// - the byte right after a closing "*/" or "-->" is copied without being looked at, so in
//   "/*a*//*b*/" the second comment survives as text;
// - when a comment closes at the very end, that "byte after it" is the C string's terminator:
//   the result ends with a NUL byte ("/*x*/" gives "\0");
// - a comment still open at the end is replaced by one space.
import { bytesToString } from './output-buffer.js';
import { outputBuffer } from './output-buffer.js';
import type { Transformation } from './transformation.js';

const TRIGGER = /\/\*|<!--|--|#/;

/** The byte at `i`, or 0 at the end (where ModSecurity reads the C string's NUL). */
function byteOrNul(value: string, i: number): number {
  return i < value.length ? value.charCodeAt(i) : 0;
}

export const removeComments: Transformation = {
  name: 'removeComments',
  triggers: '/<-#',
  transform(value: string): string {
    let i = value.search(TRIGGER);
    if (i === -1) return value;
    const n = value.length;
    const out = outputBuffer(n + 1);
    out.write(value, 0, i, 'latin1');
    let j = i;
    let inComment = false;
    while (i < n) {
      const c = value.charCodeAt(i);
      if (!inComment) {
        if (c === 0x2f && value.charCodeAt(i + 1) === 0x2a) {
          inComment = true;
          i += 2;
        } else if (c === 0x3c && value.startsWith('!--', i + 1)) {
          inComment = true;
          i += 4;
        } else if ((c === 0x2d && value.charCodeAt(i + 1) === 0x2d) || c === 0x23) {
          break; // "--" or "#": the rest is a comment
        } else {
          out[j++] = c;
          i++;
        }
      } else if (c === 0x2a && value.charCodeAt(i + 1) === 0x2f) {
        inComment = false;
        out[j++] = byteOrNul(value, i + 2);
        i += 3;
      } else if (c === 0x2d && value.charCodeAt(i + 1) === 0x2d && value.charCodeAt(i + 2) === 0x3e) {
        inComment = false;
        out[j++] = byteOrNul(value, i + 3);
        i += 4;
      } else {
        i++;
      }
    }
    if (inComment) out[j++] = 0x20;
    return bytesToString(out, j);
  },
};
