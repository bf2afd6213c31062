// t:normalizePathWin (also spelt normalisePathWin): t:normalizePath after turning backslashes
// into slashes. See normalize-path-core.ts for the exact rules.
import { normalizePathValue } from './normalize-path-core.js';
import type { Transformation } from './transformation.js';

// Only a dot, a backslash or a doubled slash can make normalisation change anything.
const TRIGGER = /[.\\]|\/\//;

export const normalizePathWin: Transformation = {
  name: 'normalizePathWin',
  triggers: './\\',
  transform(value: string): string {
    return TRIGGER.test(value) ? normalizePathValue(value, true) : value;
  },
};
