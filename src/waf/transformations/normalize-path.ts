// t:normalizePath (also spelt normalisePath): removes "//", "/./" and "seg/../" from a Unix path.
// See normalize-path-core.ts for the exact rules.
import { normalizePathValue } from './normalize-path-core.js';
import type { Transformation } from './transformation.js';

// With a slash, only a dot or a doubled slash can make normalisation change anything; without
// one, the whole value is one segment and only a dot at its end ("x..", ".") can.
const TRIGGER = /\.|\/\//;

export const normalizePath: Transformation = {
  name: 'normalizePath',
  triggers: '/',
  endTriggers: '.',
  transform(value: string): string {
    const unchanged = value.indexOf('/') === -1 ? !value.endsWith('.') : !TRIGGER.test(value);
    return unchanged ? value : normalizePathValue(value, false);
  },
};
