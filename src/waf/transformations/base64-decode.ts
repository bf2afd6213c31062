// t:base64Decode: strict decoding, as ModSecurity v3 does it with mbedtls_base64_decode():
// - the value is read only up to its first NUL byte (it is passed as a C string);
// - line breaks (\n, \r\n) are ignored, and so are spaces before a line break or at the end;
// - anything else outside the alphabet, a space inside a line, a digit after '=' or more than
//   two '=' makes the whole value invalid, and the result is "" (ModSecurity v2 and Coraza
//   instead decode up to the first invalid byte; v3 returns nothing);
// - only complete groups of four digits (with their '=' padding) produce bytes: an unpadded
//   tail of two or three digits is dropped ("QUI" gives "").
import { base64DigitValue } from './base64-alphabet.js';
import { bytesToString, outputBuffer } from './output-buffer.js';
import type { Transformation } from './transformation.js';

/** True when the first `n` bytes are valid input for mbedtls_base64_decode. */
function isValidBase64(value: string, n: number): boolean {
  let equals = 0;
  for (let i = 0; i < n; i++) {
    let spaces = false;
    while (i < n && value.charCodeAt(i) === 0x20) {
      i++;
      spaces = true;
    }
    if (i === n) break;
    const c = value.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && value.charCodeAt(i + 1) === 0x0a && i + 1 < n)) continue;
    if (spaces) return false;
    if (c === 0x3d) {
      if (++equals > 2) return false;
    } else if (equals !== 0 || base64DigitValue(c) < 0) {
      return false;
    }
  }
  return true;
}

export const base64Decode: Transformation = {
  name: 'base64Decode',
  transform(value: string): string {
    if (value.length === 0) return value;
    const nul = value.indexOf('\0');
    const n = nul === -1 ? value.length : nul;
    if (!isValidBase64(value, n)) return '';
    const out = outputBuffer(((n >> 2) + 1) * 3);
    let d = 0;
    let acc = 0;
    let digits = 0;
    let equals = 0;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c === 0x0a || c === 0x0d || c === 0x20) continue;
      acc = (acc << 6) & 0xffffff;
      if (c === 0x3d) equals++;
      else acc |= base64DigitValue(c);
      if (++digits === 4) {
        digits = 0;
        out[d++] = acc >> 16;
        if (equals <= 1) out[d++] = (acc >> 8) & 0xff;
        if (equals <= 0) out[d++] = acc & 0xff;
      }
    }
    return bytesToString(out, d);
  },
};
