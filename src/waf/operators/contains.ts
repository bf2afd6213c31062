// @contains: the parameter occurs in the value (an empty parameter always does).
import type { Operator, OperatorFactory, OperatorRunContext } from './operator.js';
import { ParamText } from './param-text.js';

class Contains implements Operator {
  constructor(private readonly param: ParamText) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return value.includes(this.param.get(ctx));
  }
}

export const containsOperator: OperatorFactory = {
  name: 'contains',
  create: (param) => new Contains(new ParamText(param)),
};
