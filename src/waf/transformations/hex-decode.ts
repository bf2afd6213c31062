// t:hexDecode: each pair of bytes becomes one byte. Like ModSecurity, the digits are not
// checked: a non-hex byte goes through x2c()'s arithmetic anyway ("0z" gives '#'), and an odd
// last byte is dropped. A one-byte value gives "" (v3.0.13 read past the end there; the current
// ModSecurity test suite expects "").
import { looseHexPair } from './byte-classes.js';
import { bytesToString, outputBuffer } from './output-buffer.js';
import type { Transformation } from './transformation.js';

export const hexDecode: Transformation = {
  name: 'hexDecode',
  transform(value: string): string {
    const n = value.length;
    if (n === 0) return value;
    const pairs = n >> 1;
    const out = outputBuffer(pairs);
    for (let k = 0, i = 0; k < pairs; k++, i += 2) {
      out[k] = looseHexPair(value.charCodeAt(i), value.charCodeAt(i + 1));
    }
    return bytesToString(out, pairs);
  },
};
