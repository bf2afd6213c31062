// @beginsWith: the value starts with the parameter (an empty parameter always matches).
import type { Operator, OperatorFactory, OperatorRunContext } from './operator.js';
import { ParamText } from './param-text.js';

class BeginsWith implements Operator {
  constructor(private readonly param: ParamText) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return value.startsWith(this.param.get(ctx));
  }
}

export const beginsWithOperator: OperatorFactory = {
  name: 'beginsWith',
  create: (param) => new BeginsWith(new ParamText(param)),
};
