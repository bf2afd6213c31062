// @noMatch: never matches (the parameter is ignored).
import type { Operator, OperatorFactory } from './operator.js';

const never: Operator = { evaluate: () => false };

export const noMatchOperator: OperatorFactory = {
  name: 'noMatch',
  create: () => never,
};
