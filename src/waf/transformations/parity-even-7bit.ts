// t:parityEven7bit: sets bit 7 of each byte so that the byte has an even number of 1 bits
// (see parity.ts for what happens to bytes that already have bit 7 set).
import { setParityBits } from './parity.js';
import type { Transformation } from './transformation.js';

export const parityEven7bit: Transformation = {
  name: 'parityEven7bit',
  transform(value: string): string {
    return setParityBits(value, true);
  },
};
