// t:parityZero7bit: clears bit 7 of every byte.
import { bufferWith, bytesToString } from './output-buffer.js';
import type { Transformation } from './transformation.js';

const HIGH_BIT = /[\x80-\xff]/;

export const parityZero7bit: Transformation = {
  name: 'parityZero7bit',
  transform(value: string): string {
    const first = value.search(HIGH_BIT);
    if (first === -1) return value;
    const n = value.length;
    const out = bufferWith(value);
    for (let i = first; i < n; i++) out[i] = value.charCodeAt(i) & 0x7f;
    return bytesToString(out, n);
  },
};
