// The shared shape of @eq @ge @gt @le @lt: value and parameter read as C integers (c-integer.ts),
// the parameter once at load time unless it holds a macro.
import { hasMacro, type Operator, type OperatorFactory, type OperatorRunContext } from './operator.js';

type Integer = number | bigint;

export function numericComparison(
  name: string,
  read: (text: string) => Integer,
  holds: (value: Integer, param: Integer) => boolean,
): OperatorFactory {
  return {
    name,
    create(param: string): Operator {
      if (hasMacro(param)) return new DynamicComparison(param, read, holds);
      return new StaticComparison(read(param), read, holds);
    },
  };
}

class StaticComparison implements Operator {
  constructor(
    private readonly param: Integer,
    private readonly read: (text: string) => Integer,
    private readonly holds: (value: Integer, param: Integer) => boolean,
  ) {}

  evaluate(_ctx: OperatorRunContext, value: string): boolean {
    return this.holds(this.read(value), this.param);
  }
}

class DynamicComparison implements Operator {
  constructor(
    private readonly param: string,
    private readonly read: (text: string) => Integer,
    private readonly holds: (value: Integer, param: Integer) => boolean,
  ) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return this.holds(this.read(value), this.read(ctx.expand(this.param)));
  }
}
