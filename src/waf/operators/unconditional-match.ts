// @unconditionalMatch: always matches (the parameter is ignored).
import type { Operator, OperatorFactory } from './operator.js';

const always: Operator = { evaluate: () => true };

export const unconditionalMatchOperator: OperatorFactory = {
  name: 'unconditionalMatch',
  create: () => always,
};
