// t:normalizePath (also spelt normalisePath): removes "//", "/./" and "seg/../" from a Unix path.
// See normalize-path-core.ts for the exact rules.
import { normalizePathValue } from './normalize-path-core.js';
import type { Transformation } from './transformation.js';

// Only a dot or a doubled slash can make normalisation change anything.
const TRIGGER = /\.|\/\//;

export const normalizePath: Transformation = {
  name: 'normalizePath',
  triggers: './',
  transform(value: string): string {
    return TRIGGER.test(value) ? normalizePathValue(value, false) : value;
  },
};
