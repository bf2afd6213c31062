// t:parityOdd7bit: sets bit 7 of each byte so that the byte has an odd number of 1 bits
// (see parity.ts for what happens to bytes that already have bit 7 set).
import { setParityBits } from './parity.js';
import type { Transformation } from './transformation.js';

export const parityOdd7bit: Transformation = {
  name: 'parityOdd7bit',
  transform(value: string): string {
    return setParityBits(value, false);
  },
};
