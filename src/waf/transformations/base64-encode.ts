// t:base64Encode: standard base64 (RFC 4648 section 4) with '=' padding and no line breaks.
import { Buffer } from 'node:buffer';
import { expandableLength } from './output-buffer.js';
import type { Transformation } from './transformation.js';

export const base64Encode: Transformation = {
  name: 'base64Encode',
  transform(value: string): string {
    if (value.length === 0) return value;
    const n = expandableLength(value.length, 2);
    return Buffer.from(n === value.length ? value : value.slice(0, n), 'latin1').toString('base64');
  },
};
