// @pmFromFile (alias pmf): @pm with its phrases in data files, one phrase per line, whole lines
// (spaces inside and around are part of the phrase, as in libmodsecurity; see data-files.ts).
import type { Operator, OperatorCompileContext, OperatorFactory, OperatorRunContext } from './operator.js';
import type { PhraseAutomaton } from './aho-corasick.js';
import { dataFilePaths, dataLines } from './data-files.js';
import { matchPhrases } from './phrase-match.js';
import { sharedAutomaton } from './shared-automata.js';

class PmFromFile implements Operator {
  readonly literals: readonly string[];
  readonly pure = true;

  constructor(private readonly automaton: PhraseAutomaton) {
    this.literals = automaton.foldedPhrases();
  }

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    return matchPhrases(this.automaton, ctx, value);
  }
}

function create(param: string, ctx: OperatorCompileContext): Operator {
  const phrases: string[] = [];
  for (const file of dataFilePaths('pmFromFile', param, ctx)) for (const line of dataLines(ctx.readFile(file))) phrases.push(line);
  try {
    return new PmFromFile(sharedAutomaton(phrases));
  } catch (err) {
    throw new Error(`@pmFromFile ${param}: ${(err as Error).message}`, { cause: err });
  }
}

export const pmFromFileOperator: OperatorFactory = {
  name: 'pmFromFile',
  aliases: ['pmf'],
  create,
};
