// t:none. The engine treats it specially (it drops the transformations before it, including
// SecDefaultAction's); as a transformation of its own it changes nothing.
import type { Transformation } from './transformation.js';

export const none: Transformation = {
  name: 'none',
  transform(value: string): string {
    return value;
  },
};
