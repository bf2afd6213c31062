// t:lowercase: std::tolower() in the C locale, so only A-Z change; bytes 0x80-0xFF stay as they
// are (String.prototype.toLowerCase would also fold Latin-1 letters such as 0xC0 'À').
import { bufferWith, bytesToString } from './output-buffer.js';
import type { Transformation } from './transformation.js';

const UPPER = /[A-Z]/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

export const lowercase: Transformation = {
  name: 'lowercase',
  caseOnly: true,
  transform(value: string): string {
    const first = value.search(UPPER);
    if (first === -1) return value;
    // Pure ASCII (nearly every value): the built-in does exactly A-Z, without the buffer trip.
    if (!NON_ASCII.test(value)) return value.toLowerCase();
    const n = value.length;
    const out = bufferWith(value);
    for (let i = first; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x41 && c <= 0x5a) out[i] = c | 0x20;
    }
    return bytesToString(out, n);
  },
};
