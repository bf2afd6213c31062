// t:removeWhitespace: drops C-locale whitespace (space, \t, \n, \v, \f, \r) and, as ModSecurity v3
// does to catch a UTF-8 non-breaking space (C2 A0), every 0xA0 byte and every 0xC2 byte, even
// where 0xC2 starts some other character (its continuation byte is then left alone).
import { anyByteOf } from './byte-classes.js';
import type { Transformation } from './transformation.js';

const TRIGGERS = '\t\n\v\f\r \xa0\xc2';
const WHITESPACE = anyByteOf(TRIGGERS);
const WHITESPACE_RUNS = /[\t\n\v\f\r \xa0\xc2]+/g;

export const removeWhitespace: Transformation = {
  name: 'removeWhitespace',
  triggers: TRIGGERS,
  transform(value: string): string {
    return WHITESPACE.test(value) ? value.replace(WHITESPACE_RUNS, '') : value;
  },
};
