// t:base64DecodeExt: forgiving decoding, as ModSecurity v3's decode_forgiven_engine() does it:
// - every byte outside the alphabet is skipped (whitespace, '.', '-', NUL, 0x80-0xFF, ...);
// - '=' is skipped too, except that a group holding a single digit (which cannot make a byte)
//   makes the whole result "" when an '=' follows it not followed by another '=';
// - a trailing partial group still produces its whole bytes (two digits give one byte);
// - quirk kept from ModSecurity: it remembers the last byte's decoded value where it meant to
//   remember the byte, so a value ending in '9' (digit value 61, the code of '=') with a
//   single-digit group left over also gives "".
import { base64DigitValue } from './base64-alphabet.js';
import { bytesToString, outputBuffer } from './output-buffer.js';
import type { Transformation } from './transformation.js';

const PAD = 0x3d;

export const base64DecodeExt: Transformation = {
  name: 'base64DecodeExt',
  transform(value: string): string {
    const n = value.length;
    if (n === 0) return value;
    const out = outputBuffer(((n >> 2) + 1) * 3);
    let d = 0;
    let digits = 0; // digits decoded so far (ModSecurity's i)
    let pending = 0; // bits of the byte being assembled
    let last = 0; // ModSecurity's `ch` after the loop: '=' or the last byte's table value
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c === PAD) {
        if (digits % 4 === 1 && value.charCodeAt(i + 1) !== PAD) return '';
        last = PAD;
        continue;
      }
      const v = base64DigitValue(c);
      last = v;
      if (v < 0) continue;
      switch (digits % 4) {
        case 0:
          pending = v << 2;
          break;
        case 1:
          out[d++] = pending | (v >> 4);
          pending = (v & 0x0f) << 4;
          break;
        case 2:
          out[d++] = pending | (v >> 2);
          pending = (v & 0x03) << 6;
          break;
        default:
          out[d++] = pending | v;
      }
      digits++;
    }
    if (last === PAD && digits % 4 === 1) return '';
    return bytesToString(out, d);
  },
};
