// t:normalizePathWin (also spelt normalisePathWin): t:normalizePath after turning backslashes
// into slashes. See normalize-path-core.ts for the exact rules.
import { normalizePathValue } from './normalize-path-core.js';
import type { Transformation } from './transformation.js';

// With a separator, only a dot, a backslash or a doubled slash can make normalisation change
// anything; without one, only a dot at the end of the value can (as for t:normalizePath).
const TRIGGER = /[.\\]|\/\//;
const SEPARATOR = /[/\\]/;

export const normalizePathWin: Transformation = {
  name: 'normalizePathWin',
  triggers: '/\\',
  endTriggers: '.',
  transform(value: string): string {
    const unchanged = SEPARATOR.test(value) ? !TRIGGER.test(value) : !value.endsWith('.');
    return unchanged ? value : normalizePathValue(value, true);
  },
};
