// @within: the VALUE occurs somewhere in the parameter (the reverse of @contains). As in
// libmodsecurity it is a plain substring test, so "GE" is "within" "GET POST", and an empty
// value is within anything.
import type { Operator, OperatorFactory, OperatorRunContext } from './operator.js';
import { ParamText } from './param-text.js';

class Within implements Operator {
  constructor(private readonly param: ParamText) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return value === '' || this.param.get(ctx).includes(value);
  }
}

export const withinOperator: OperatorFactory = {
  name: 'within',
  create: (param) => new Within(new ParamText(param)),
};
