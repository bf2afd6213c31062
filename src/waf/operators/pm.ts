// @pm "phrase1 phrase2 ...": some phrase occurs in the value, ASCII case-insensitively (see
// aho-corasick.ts for the search and pm-phrases.ts for how the parameter is read).
import { hasMacro, type Operator, type OperatorFactory, type OperatorRunContext } from './operator.js';
import type { PhraseAutomaton } from './aho-corasick.js';
import { matchPhrases } from './phrase-match.js';
import { pmPhrases } from './pm-phrases.js';
import { RuntimeCache } from './runtime-cache.js';
import { sharedAutomaton } from './shared-automata.js';

class StaticPm implements Operator {
  readonly literals: readonly string[];
  readonly pure = true;

  constructor(private readonly automaton: PhraseAutomaton) {
    this.literals = automaton.foldedPhrases();
  }

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return matchPhrases(this.automaton, ctx, value);
  }
}

class DynamicPm implements Operator {
  private readonly cache = new RuntimeCache((text: string) => sharedAutomaton(pmPhrases(text)));

  constructor(private readonly param: string) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    const automaton = this.cache.get(ctx.expand(this.param));
    return automaton !== null && matchPhrases(automaton, ctx, value);
  }
}

export const pmOperator: OperatorFactory = {
  name: 'pm',
  create(param: string): Operator {
    if (hasMacro(param)) return new DynamicPm(param);
    const phrases = pmPhrases(param);
    // libmodsecurity accepts an empty list (and never matches); a rule like that is a mistake.
    if (phrases.length === 0) throw new Error('@pm needs at least one phrase');
    return new StaticPm(sharedAutomaton(phrases));
  },
};
