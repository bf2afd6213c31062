// t:md5: the raw 16-byte MD5 digest of the value, as a byte string (not hex; chain t:hexEncode
// for that). Node's 'binary' encoding is latin1: one char per byte.
import { createHash } from 'node:crypto';
import { unlessSame } from './output-buffer.js';
import type { Transformation } from './transformation.js';

export const md5: Transformation = {
  name: 'md5',
  transform(value: string): string {
    return unlessSame(value, createHash('md5').update(value, 'latin1').digest('binary'));
  },
};
