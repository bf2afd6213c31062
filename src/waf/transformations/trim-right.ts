// t:trimRight: removes trailing C-locale whitespace (space, \t, \n, \v, \f, \r).
import { isSpace } from './byte-classes.js';
import type { Transformation } from './transformation.js';

/** One past the index of the last byte that is not whitespace (0 if none). */
export function endOfNonSpace(value: string): number {
  let end = value.length;
  while (end > 0 && isSpace(value.charCodeAt(end - 1))) end--;
  return end;
}

export const trimRight: Transformation = {
  name: 'trimRight',
  triggers: '\t\n\v\f\r ',
  transform(value: string): string {
    const end = endOfNonSpace(value);
    return end === value.length ? value : value.slice(0, end);
  },
};
