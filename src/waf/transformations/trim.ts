// t:trim: removes leading and trailing C-locale whitespace (space, \t, \n, \v, \f, \r).
import type { Transformation } from './transformation.js';
import { firstNonSpace } from './trim-left.js';
import { endOfNonSpace } from './trim-right.js';

export const trim: Transformation = {
  name: 'trim',
  triggers: '\t\n\v\f\r ',
  transform(value: string): string {
    const end = endOfNonSpace(value);
    if (end === 0) return value.length === 0 ? value : '';
    const start = firstNonSpace(value);
    return start === 0 && end === value.length ? value : value.slice(start, end);
  },
};
