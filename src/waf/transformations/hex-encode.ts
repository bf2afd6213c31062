// t:hexEncode: each byte as two lower-case hex digits.
import { Buffer } from 'node:buffer';
import { expandableLength } from './output-buffer.js';
import type { Transformation } from './transformation.js';

export const hexEncode: Transformation = {
  name: 'hexEncode',
  transform(value: string): string {
    if (value.length === 0) return value;
    const n = expandableLength(value.length, 2);
    return Buffer.from(n === value.length ? value : value.slice(0, n), 'latin1').toString('hex');
  },
};
