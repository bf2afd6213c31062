// t:compressWhitespace: every run of C-locale whitespace (space, \t, \n, \v, \f, \r) becomes one
// space. Unlike ModSecurity v2, v3 does not count 0xA0 (NBSP) as whitespace here.
import type { Transformation } from './transformation.js';

// A value changes only if it has a whitespace byte other than a space, or two spaces in a row.
const CHANGES = /[\t\n\v\f\r]| {2}/;
const WHITESPACE_RUNS = /[\t\n\v\f\r ]+/g;

export const compressWhitespace: Transformation = {
  name: 'compressWhitespace',
  triggers: '\t\n\v\f\r ',
  transform(value: string): string {
    return CHANGES.test(value) ? value.replace(WHITESPACE_RUNS, ' ') : value;
  },
};
