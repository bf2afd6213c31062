// t:urlEncode: keeps '*', 0-9, A-Z and a-z, turns a space into '+' and every other byte into
// "%hh" (lower-case hex).
import { hexDigitCode } from './byte-classes.js';
import { bytesToString, expandableLength, outputBuffer } from './output-buffer.js';
import type { Transformation } from './transformation.js';

const NEEDS_ENCODING = /[^*0-9A-Za-z]/;

function isKept(c: number): boolean {
  const lower = c | 0x20;
  return c === 0x2a || (c >= 0x30 && c <= 0x39) || (lower >= 0x61 && lower <= 0x7a);
}

export const urlEncode: Transformation = {
  name: 'urlEncode',
  transform(value: string): string {
    let i = value.search(NEEDS_ENCODING);
    if (i === -1) return value;
    const n = expandableLength(value.length, 3);
    const out = outputBuffer(n * 3);
    out.write(value, 0, i, 'latin1');
    let d = i;
    for (; i < n; i++) {
      const c = value.charCodeAt(i) & 0xff;
      if (c === 0x20) {
        out[d++] = 0x2b;
      } else if (isKept(c)) {
        out[d++] = c;
      } else {
        out[d++] = 0x25;
        out[d++] = hexDigitCode(c >> 4);
        out[d++] = hexDigitCode(c & 0x0f);
      }
    }
    return bytesToString(out, d);
  },
};
