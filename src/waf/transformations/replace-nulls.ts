// t:replaceNulls: every NUL byte becomes a space.
import type { Transformation } from './transformation.js';

export const replaceNulls: Transformation = {
  name: 'replaceNulls',
  triggers: '\0',
  transform(value: string): string {
    return value.indexOf('\0') === -1 ? value : value.replaceAll('\0', ' ');
  },
};
