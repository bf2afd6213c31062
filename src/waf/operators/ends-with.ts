// @endsWith: the value ends with the parameter (an empty parameter always matches).
import type { Operator, OperatorFactory, OperatorRunContext } from './operator.js';
import { ParamText } from './param-text.js';

class EndsWith implements Operator {
  constructor(private readonly param: ParamText) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return value.endsWith(this.param.get(ctx));
  }
}

export const endsWithOperator: OperatorFactory = {
  name: 'endsWith',
  create: (param) => new EndsWith(new ParamText(param)),
};
