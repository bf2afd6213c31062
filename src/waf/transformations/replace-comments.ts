// t:replaceComments: each C comment "/* ... */" becomes one space; a comment still open at the
// end is replaced by one space too. "*/" without an opening "/*" is left alone.
import { bytesToString, outputBuffer } from './output-buffer.js';
import type { Transformation } from './transformation.js';

export const replaceComments: Transformation = {
  name: 'replaceComments',
  triggers: '/',
  transform(value: string): string {
    let i = value.indexOf('/*');
    if (i === -1) return value;
    const n = value.length;
    const out = outputBuffer(n);
    out.write(value, 0, i, 'latin1');
    let j = i;
    while (i < n) {
      const end = value.indexOf('*/', i + 2);
      out[j++] = 0x20;
      if (end === -1) break;
      i = end + 2;
      const next = value.indexOf('/*', i);
      const stop = next === -1 ? n : next;
      j += out.write(value.slice(i, stop), j, 'latin1');
      i = stop;
    }
    return bytesToString(out, j);
  },
};
