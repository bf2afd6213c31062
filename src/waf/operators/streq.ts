// @streq: the value equals the parameter, byte for byte.
import type { Operator, OperatorFactory, OperatorRunContext } from './operator.js';
import { ParamText } from './param-text.js';

class StrEq implements Operator {
  constructor(private readonly param: ParamText) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return value === this.param.get(ctx);
  }
}

export const streqOperator: OperatorFactory = {
  name: 'streq',
  create: (param) => new StrEq(new ParamText(param)),
};
