// @ge: the value is greater than or equal to the parameter, both read with atoll as libmodsecurity does (c-integer.ts).
import { cAtoll } from './c-integer.js';
import { numericComparison } from './numeric-comparison.js';

export const geOperator = numericComparison('ge', cAtoll, (value, param) => value >= param);
