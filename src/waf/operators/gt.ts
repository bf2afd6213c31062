// @gt: the value is greater than the parameter, both read with atoll as libmodsecurity does (c-integer.ts).
import { cAtoll } from './c-integer.js';
import { numericComparison } from './numeric-comparison.js';

export const gtOperator = numericComparison('gt', cAtoll, (value, param) => value > param);
