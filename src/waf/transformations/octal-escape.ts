// The octal part of backslash escapes (t:jsDecode, t:escapeSeqDecode): ModSecurity reads up to
// three octal digits after the backslash.
import { isOctalDigit } from './byte-classes.js';

/** How many octal digits (at most 3) start at `start`. */
export function octalRunLength(value: string, start: number): number {
  let j = 0;
  while (j < 3 && isOctalDigit(value.charCodeAt(start + j))) j++;
  return j;
}

/** The value of `count` octal digits starting at `start` (no validation). */
export function octalValue(value: string, start: number, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) v = (v << 3) | (value.charCodeAt(start + k) - 0x30);
  return v;
}
