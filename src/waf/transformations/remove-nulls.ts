// t:removeNulls: drops every NUL byte.
import type { Transformation } from './transformation.js';

export const removeNulls: Transformation = {
  name: 'removeNulls',
  triggers: '\0',
  transform(value: string): string {
    return value.indexOf('\0') === -1 ? value : value.replaceAll('\0', '');
  },
};
