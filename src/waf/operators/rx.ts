// @rx: a PCRE match (libmodsecurity's options; ../regex/pcre.ts). With the capture action the
// whole match goes to captures[0] and groups 1-9 to captures[1..9], up to the last group that
// took part in the match (PCRE's count); a group in between that took no part is "" here
// (libmodsecurity leaves that TX variable as it was). An empty parameter matches everything
// without capturing, as in libmodsecurity. A parameter with macros is compiled per distinct
// expansion (bounded cache); one that does not compile does not match.
import { hasMacro, type Operator, type OperatorFactory, type OperatorRunContext } from './operator.js';
import { PcreMatcher } from '../regex/pcre-matcher.js';
import { RuntimeCache } from './runtime-cache.js';

/** TX:0 to TX:9. */
export const MAX_CAPTURES = 10;

/** Appends the match and its groups to `captures`, stopping at `limit` entries in all. */
export function pushCaptures(captures: string[], m: RegExpExecArray, limit: number): void {
  let last = m.length - 1;
  while (last > 0 && m[last] === undefined) last--;
  for (let i = 0; i <= last && captures.length < limit; i++) captures.push(m[i] ?? '');
}

function evaluateRx(matcher: PcreMatcher, ctx: OperatorRunContext, value: string): boolean {
  if (!ctx.capturing) return matcher.test(value, ctx.searchDeadline);
  const m = matcher.exec(value, ctx.searchDeadline);
  if (m === null) return false;
  pushCaptures(ctx.captures, m, MAX_CAPTURES);
  return true;
}

class StaticRx implements Operator {
  readonly pure = true;

  constructor(private readonly matcher: PcreMatcher) {}

  get literals(): readonly string[] | undefined {
    return this.matcher.literals;
  }

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return evaluateRx(this.matcher, ctx, value);
  }
}

class DynamicRx implements Operator {
  private readonly cache = new RuntimeCache((pattern: string) => new PcreMatcher(pattern));

  constructor(private readonly param: string) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    const matcher = this.cache.get(ctx.expand(this.param));
    return matcher !== null && evaluateRx(matcher, ctx, value);
  }
}

const matchAll: Operator = { evaluate: () => true };

export const rxOperator: OperatorFactory = {
  name: 'rx',
  create(param: string): Operator {
    if (hasMacro(param)) return new DynamicRx(param);
    if (param === '') return matchAll;
    return new StaticRx(new PcreMatcher(param));
  },
};
