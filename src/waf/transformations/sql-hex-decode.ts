// t:sqlHexDecode: SQL hex literals "0xHHHH..." (or "0X...") become the bytes they spell; the
// "0x" needs at least one full pair after it, and a trailing odd digit stays as it is.
import { hexValue } from './byte-classes.js';
import { bufferWith, bytesToString } from './output-buffer.js';
import type { Transformation } from './transformation.js';

const TRIGGER = /0[xX][0-9A-Fa-f]{2}/;

/** The byte of the hex pair at `i`, or -1 if either digit is not hex. */
function hexPairAt(value: string, i: number): number {
  const hi = hexValue(value.charCodeAt(i));
  const lo = hexValue(value.charCodeAt(i + 1));
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

export const sqlHexDecode: Transformation = {
  name: 'sqlHexDecode',
  transform(value: string): string {
    let i = value.search(TRIGGER);
    if (i === -1) return value;
    const n = value.length;
    const out = bufferWith(value);
    let d = i;
    while (i < n) {
      const c = value.charCodeAt(i);
      if (c === 0x30 && i + 3 < n && (value.charCodeAt(i + 1) | 0x20) === 0x78 && hexPairAt(value, i + 2) >= 0) {
        i += 2;
        for (let b = hexPairAt(value, i); b >= 0 && i + 1 < n; b = hexPairAt(value, i)) {
          out[d++] = b;
          i += 2;
        }
      } else {
        out[d++] = c;
        i++;
      }
    }
    return bytesToString(out, d);
  },
};
