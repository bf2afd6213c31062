// t:trimLeft: removes leading C-locale whitespace (space, \t, \n, \v, \f, \r). 0xA0 is not
// whitespace here, which is why String.prototype.trimStart cannot be used.
import { isSpace } from './byte-classes.js';
import type { Transformation } from './transformation.js';

/** Index of the first byte that is not whitespace (value.length if none). */
export function firstNonSpace(value: string): number {
  const n = value.length;
  let i = 0;
  while (i < n && isSpace(value.charCodeAt(i))) i++;
  return i;
}

export const trimLeft: Transformation = {
  name: 'trimLeft',
  triggers: '\t\n\v\f\r ',
  transform(value: string): string {
    const start = firstNonSpace(value);
    return start === 0 ? value : value.slice(start);
  },
};
