// t:uppercase: std::toupper() in the C locale, so only a-z change; bytes 0x80-0xFF stay as they
// are.
import { bufferWith, bytesToString } from './output-buffer.js';
import type { Transformation } from './transformation.js';

const LOWER = /[a-z]/;

export const uppercase: Transformation = {
  name: 'uppercase',
  caseOnly: true,
  transform(value: string): string {
    const first = value.search(LOWER);
    if (first === -1) return value;
    const n = value.length;
    const out = bufferWith(value);
    for (let i = first; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x61 && c <= 0x7a) out[i] = c & 0xdf;
    }
    return bytesToString(out, n);
  },
};
