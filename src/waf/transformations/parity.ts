// The parity bit shared by t:parityEven7bit and t:parityOdd7bit. ModSecurity folds the whole
// byte (bit 7 included) when it counts the 1 bits, then sets or clears bit 7; for a byte that
// already has bit 7 set the result is therefore not what the name promises, but it is what
// ModSecurity produces.
import { bufferWith, bytesToString } from './output-buffer.js';

/** True when byte `c` has an odd number of 1 bits. */
function hasOddParity(c: number): boolean {
  const folded = (c ^ (c >> 4)) & 0x0f;
  return ((0x6996 >> folded) & 1) === 1;
}

/** The byte with bit 7 set when its parity is odd (even = true) or even (even = false). */
function withParityBit(c: number, even: boolean): number {
  return hasOddParity(c) === even ? c | 0x80 : c & 0x7f;
}

/** Applies the parity bit to every byte; returns `value` itself when no byte changes. */
export function setParityBits(value: string, even: boolean): string {
  const n = value.length;
  let i = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (withParityBit(c, even) !== c) break;
    i++;
  }
  if (i === n) return value;
  const out = bufferWith(value);
  for (; i < n; i++) out[i] = withParityBit(value.charCodeAt(i) & 0xff, even);
  return bytesToString(out, n);
}
