// @lt: the value is less than the parameter, both read with atoll as libmodsecurity does (c-integer.ts).
import { cAtoll } from './c-integer.js';
import { numericComparison } from './numeric-comparison.js';

export const ltOperator = numericComparison('lt', cAtoll, (value, param) => value < param);
