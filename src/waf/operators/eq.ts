// @eq: equal as C ints (std::stoi in libmodsecurity: unparsable or out-of-int-range text is 0).
import { cStoi } from './c-integer.js';
import { numericComparison } from './numeric-comparison.js';

export const eqOperator = numericComparison('eq', cStoi, (value, param) => value === param);
