// Evaluation shared by @pm and @pmFromFile: with the capture action, TX:0 gets the phrase found,
// spelled as in the list (libmodsecurity stores the automaton node's text, not the input's bytes).
import type { PhraseAutomaton } from './aho-corasick.js';
import type { OperatorRunContext } from './operator.js';

export function matchPhrases(automaton: PhraseAutomaton, ctx: OperatorRunContext, value: string): boolean {
  if (!ctx.capturing) return automaton.test(value);
  const found = automaton.search(value);
  if (found === null) return false;
  ctx.captures.push(found.phrase);
  return true;
}
