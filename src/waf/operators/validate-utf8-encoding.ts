// @validateUtf8Encoding: matches when the value is NOT valid UTF-8, by libmodsecurity's rules
// (detect_utf8_character): a truncated sequence, a continuation byte that is not 10xxxxxx, a
// lead byte 0x80-0xBF or 0xF8-0xFF, a lead byte 0xF5-0xF7, an overlong form, or a surrogate
// (U+D800-U+DFFF). Quirk kept: F4 90-BF .. .. (above U+10FFFF) is accepted, as there.
import type { Operator, OperatorFactory, OperatorRunContext } from './operator.js';

const isContinuation = (c: number): boolean => (c & 0xc0) === 0x80;

/** Any byte above 0x7F: without one a value is ASCII, valid UTF-8 (V8 scans for a class fast). */
const NON_ASCII = /[\x80-\uffff]/;

/** True when `value` holds an invalid sequence. */
export function invalidUtf8(value: string): boolean {
  if (!NON_ASCII.test(value)) return false;
  const n = value.length;
  let i = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let cp: number;
    if ((c & 0xe0) === 0xc0) {
      if (n - i < 2 || !isContinuation(value.charCodeAt(i + 1))) return true;
      cp = ((c & 0x1f) << 6) | (value.charCodeAt(i + 1) & 0x3f);
      length = 2;
      if (cp < 0x80) return true;
    } else if ((c & 0xf0) === 0xe0) {
      if (n - i < 3 || !isContinuation(value.charCodeAt(i + 1)) || !isContinuation(value.charCodeAt(i + 2))) return true;
      cp = ((c & 0x0f) << 12) | ((value.charCodeAt(i + 1) & 0x3f) << 6) | (value.charCodeAt(i + 2) & 0x3f);
      length = 3;
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return true;
    } else if ((c & 0xf8) === 0xf0) {
      if (c >= 0xf5) return true;
      if (n - i < 4) return true;
      for (let k = 1; k < 4; k++) if (!isContinuation(value.charCodeAt(i + k))) return true;
      cp = ((c & 0x07) << 18) | ((value.charCodeAt(i + 1) & 0x3f) << 12) | ((value.charCodeAt(i + 2) & 0x3f) << 6) | (value.charCodeAt(i + 3) & 0x3f);
      length = 4;
      if (cp < 0x10000) return true;
    } else {
      return true;
    }
    i += length;
  }
  return false;
}

const validateUtf8: Operator = {
  pure: true,
  evaluate: (_ctx: OperatorRunContext, value: string) => invalidUtf8(value),
};

export const validateUtf8EncodingOperator: OperatorFactory = {
  name: 'validateUtf8Encoding',
  create: () => validateUtf8,
};
