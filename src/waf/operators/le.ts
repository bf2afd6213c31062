// @le: the value is less than or equal to the parameter, both read with atoll as libmodsecurity does (c-integer.ts).
import { cAtoll } from './c-integer.js';
import { numericComparison } from './numeric-comparison.js';

export const leOperator = numericComparison('le', cAtoll, (value, param) => value <= param);
