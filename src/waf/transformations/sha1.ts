// t:sha1: the raw 20-byte SHA-1 digest of the value, as a byte string (not hex; chain
// t:hexEncode for that). Node's 'binary' encoding is latin1: one char per byte.
import { createHash } from 'node:crypto';
import { unlessSame } from './output-buffer.js';
import type { Transformation } from './transformation.js';

export const sha1: Transformation = {
  name: 'sha1',
  transform(value: string): string {
    return unlessSame(value, createHash('sha1').update(value, 'latin1').digest('binary'));
  },
};
