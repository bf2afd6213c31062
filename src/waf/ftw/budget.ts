// A budget per stage, enforced from outside the engine: the rule set the runner loaded for itself
// gets every operator wrapped in a count of the stage's operator calls, a timing of each call (the
// slowest one is kept, to blame the right rule for a slow stage) and a check of its deadline;
// past either limit, a BudgetExceeded naming the rule (the chain head) that
// was running is thrown. A stage that runs away in the engine (a loop over a list that grows as
// it is walked, say) is thus stopped early and blamed on a rule, without a thread to kill. The
// call limit (default 250,000) stops such loops in well under a second; the most a CRS test
// needs is about 100,000 (920380-1: 255 arguments times every rule that reads ARGS), most need
// under 4,000. A single operator call that
// never returns cannot be stopped this way: the worker's hard timeout (isolated.ts) covers that.
//
// Nothing in the engine changes: only the Rule objects of a rule set the runner owns are
// instrumented, once.
import type { Operator } from '../operators/operator.js';
import type { RuleSet } from '../engine/ruleset.js';
import type { Rule } from '../engine/rule.js';

export class BudgetExceeded extends Error {
  override name = 'BudgetExceeded';
  constructor(
    readonly ruleId: number,
    /** What ran out: the time, or the number of operator calls. */
    readonly kind: 'time' | 'calls',
    limit: number,
  ) {
    super(kind === 'time' ? `stopped after ${limit} ms (at rule ${ruleId})` : `stopped after ${limit} operator calls, in rule ${ruleId}`);
  }
}

export class StageBudget {
  private deadline = Infinity;
  private budgetMs = 0;
  private calls = 0;
  private maxCalls = Infinity;
  private armed = false;
  private slowest: { ruleId: number; ms: number } | undefined = undefined;

  /** Arms the budget for the stage about to run. */
  start(budgetMs: number, maxCalls: number): void {
    this.budgetMs = budgetMs;
    this.maxCalls = maxCalls;
    this.calls = 0;
    this.deadline = performance.now() + budgetMs;
    this.armed = true;
    this.slowest = undefined;
  }

  /** The stage's slowest operator call (kept when it took 50 ms or more). */
  get slowestCall(): { readonly ruleId: number; readonly ms: number } | undefined {
    return this.slowest;
  }

  /** Records how long one operator call of `rule` took. */
  timed(rule: Rule, ms: number): void {
    if (ms >= 50 && (!this.slowest || ms > this.slowest.ms)) this.slowest = { ruleId: rule.chainHead.id, ms };
  }

  stop(): void {
    this.armed = false;
  }

  /** Operator calls of the stage so far. */
  get operatorCalls(): number {
    return this.calls;
  }

  check(rule: Rule): void {
    if (!this.armed) return;
    const n = ++this.calls;
    if (n > this.maxCalls) {
      this.armed = false;
      throw new BudgetExceeded(rule.chainHead.id, 'calls', this.maxCalls);
    }
    if (performance.now() > this.deadline) {
      this.armed = false;
      throw new BudgetExceeded(rule.chainHead.id, 'time', this.budgetMs);
    }
  }
}

const budgets = new WeakMap<RuleSet, StageBudget>();

/** The budget of a rule set, instrumenting its operators the first time. */
export function budgetOf(ruleset: RuleSet): StageBudget {
  let b = budgets.get(ruleset);
  if (b) return b;
  const budget = new StageBudget();
  const seen = new WeakSet<Rule>();
  for (const rules of ruleset.phases) {
    for (const head of rules) {
      for (let r: Rule | undefined = head; r; r = r.chainChild) {
        const rule = r;
        const op = rule.operator;
        if (!op || seen.has(rule)) continue;
        seen.add(rule);
        const guarded: Operator = {
          evaluate: (ctx, value) => {
            budget.check(rule);
            const t = performance.now();
            const hit = op.evaluate(ctx, value);
            budget.timed(rule, performance.now() - t);
            return hit;
          },
        };
        rule.operator = guarded;
      }
    }
  }
  b = budget;
  budgets.set(ruleset, b);
  return b;
}
