// @rxGlobal (libmodsecurity v3): like @rx, but with the capture action every match is captured
// in turn, each followed by its groups (TX:0 = first match, TX:1 its first group or the second
// match, ...), up to TX:9. After an empty match the search moves on one byte (PcreMatcher).
import { hasMacro, type Operator, type OperatorFactory, type OperatorRunContext } from './operator.js';
import { PcreMatcher } from '../regex/pcre-matcher.js';
import { MAX_CAPTURES, pushCaptures } from './rx.js';
import { RuntimeCache } from './runtime-cache.js';

function evaluateRxGlobal(matcher: PcreMatcher, ctx: OperatorRunContext, value: string): boolean {
  if (!ctx.capturing) return matcher.test(value, ctx.searchDeadline);
  // Capturing every match stays on this thread (no CRS rule uses it; it is checked between rules).
  const captures = ctx.captures;
  let found = false;
  matcher.execAll(value, (m) => {
    found = true;
    pushCaptures(captures, m, MAX_CAPTURES);
    return captures.length < MAX_CAPTURES;
  });
  return found;
}

class StaticRxGlobal implements Operator {
  constructor(private readonly matcher: PcreMatcher) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return evaluateRxGlobal(this.matcher, ctx, value);
  }
}

class DynamicRxGlobal implements Operator {
  private readonly cache = new RuntimeCache((pattern: string) => new PcreMatcher(pattern, { global: true }));

  constructor(private readonly param: string) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    const matcher = this.cache.get(ctx.expand(this.param));
    return matcher !== null && evaluateRxGlobal(matcher, ctx, value);
  }
}

const matchAll: Operator = { evaluate: () => true };

export const rxGlobalOperator: OperatorFactory = {
  name: 'rxGlobal',
  create(param: string): Operator {
    if (hasMacro(param)) return new DynamicRxGlobal(param);
    if (param === '') return matchAll;
    return new StaticRxGlobal(new PcreMatcher(param, { global: true }));
  },
};
