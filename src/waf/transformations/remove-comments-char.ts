// t:removeCommentsChar: deletes the comment markers themselves, wherever they are:
// "/*", "*/", "<!--", "-->", "--" and "#". The text between them stays.
import type { Transformation } from './transformation.js';

// Alternation order matters where markers overlap: "-->" before "--".
const MARKERS = /\/\*|\*\/|<!--|-->|--|#/g;
const TRIGGER = /\/\*|\*\/|<!--|--|#/;

export const removeCommentsChar: Transformation = {
  name: 'removeCommentsChar',
  triggers: '/*<-#',
  transform(value: string): string {
    return TRIGGER.test(value) ? value.replace(MARKERS, '') : value;
  },
};
