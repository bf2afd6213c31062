// @strmatch: the parameter occurs in the value. libmodsecurity v3 implements it exactly like
// @contains (a plain substring search); v2 used Boyer-Moore-Horspool for the same answer.
import type { Operator, OperatorFactory, OperatorRunContext } from './operator.js';
import { ParamText } from './param-text.js';

class StrMatch implements Operator {
  constructor(private readonly param: ParamText) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return value.includes(this.param.get(ctx));
  }
}

export const strmatchOperator: OperatorFactory = {
  name: 'strmatch',
  create: (param) => new StrMatch(new ParamText(param)),
};
