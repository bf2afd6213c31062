// @validateUrlEncoding: matches when the value holds a "%" not followed by two hex digits
// (including one too close to the end). An empty value does not match (libmodsecurity).
import type { Operator, OperatorFactory, OperatorRunContext } from './operator.js';

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

export function invalidUrlEncoding(value: string): boolean {
  const n = value.length;
  let i = value.indexOf('%');
  while (i !== -1) {
    if (i + 2 >= n) return true;
    if (!isHex(value.charCodeAt(i + 1)) || !isHex(value.charCodeAt(i + 2))) return true;
    i = value.indexOf('%', i + 3);
  }
  return false;
}

const validateUrlEncoding: Operator = {
  evaluate: (_ctx: OperatorRunContext, value: string) => invalidUrlEncoding(value),
};

export const validateUrlEncodingOperator: OperatorFactory = {
  name: 'validateUrlEncoding',
  create: () => validateUrlEncoding,
};
