// One automaton per distinct phrase list, shared by every rule that uses the list (the CRS uses
// some data files in several rules). Entries go away with the last rule set holding them, so
// reloading rules with changed lists does not accumulate old automata.
import { PhraseAutomaton } from './aho-corasick.js';

const cache = new Map<string, WeakRef<PhraseAutomaton>>();
const cleanup = new FinalizationRegistry<string>((key) => {
  if (cache.get(key)?.deref() === undefined) cache.delete(key);
});

export function sharedAutomaton(phrases: readonly string[]): PhraseAutomaton {
  const key = phrases.join('\n');
  const cached = cache.get(key)?.deref();
  if (cached !== undefined) return cached;
  const automaton = new PhraseAutomaton(phrases);
  cache.set(key, new WeakRef(automaton));
  cleanup.register(automaton, key);
  return automaton;
}
