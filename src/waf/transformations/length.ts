// t:length: the value's length in bytes, as decimal digits.
import { unlessSame } from './output-buffer.js';
import type { Transformation } from './transformation.js';

export const length: Transformation = {
  name: 'length',
  transform(value: string): string {
    return unlessSame(value, String(value.length));
  },
};
