// A loaded rule set: the rules of each phase in order (markers included, in every phase, as
// ModSecurity v3 places them), the engine settings and the default actions. Immutable once built;
// transactions only read it.
import { PASS_DEFAULTS, type DefaultActions, type Rule } from './rule.js';
import type { EngineSettings } from './settings.js';
import type { PersistentStore } from './persistence.js';
import { ChainTree } from './transform-chain.js';
import { ValueMemory } from './value-memory.js';
import type { FoldedProgram } from './constant-folding.js';
import type { Prefilters } from './prefilter/rule-prefilter.js';

export const PHASES = [1, 2, 3, 4, 5] as const;

export class RuleSet {
  /** phases[p] = rules of phase p (index 0 unused). */
  readonly phases: Rule[][] = [[], [], [], [], [], []];
  readonly byId = new Map<number, Rule>();
  readonly defaults: DefaultActions[] = [PASS_DEFAULTS, PASS_DEFAULTS, PASS_DEFAULTS, PASS_DEFAULTS, PASS_DEFAULTS, PASS_DEFAULTS];
  /** Every rule's transformation chain, sharing prefixes. */
  readonly chains = new ChainTree();
  /** The literal scanners of the rule prefilter (prefilter/rule-prefilter.ts), unless turned off. */
  prefilters: Prefilters | undefined = undefined;
  /** The program with constant rules folded (constant-folding.ts), unless turned off or nothing folds. */
  folded: FoldedProgram | undefined = undefined;
  /** Rules with a Rule.memo bit, and the words of a row's `misses` that holds them all. */
  memoRules = 0;
  get memoWords(): number {
    return (this.memoRules + 31) >>> 5;
  }
  /** Files the rules came from (for messages and reloads). */
  readonly files: string[] = [];

  constructor(
    readonly settings: EngineSettings,
    readonly store: PersistentStore,
    /** Whether transactions share what they worked out about short values (value-memory.ts). */
    readonly remembersValues = true,
  ) {}

  private valueMemory: ValueMemory | undefined = undefined;

  /**
   * Rows of short values kept across transactions (value-memory.ts), made when the first
   * transaction starts (the chain tree is complete by then); undefined when turned off.
   */
  get values(): ValueMemory | undefined {
    if (!this.remembersValues) return undefined;
    return (this.valueMemory ??= new ValueMemory(this.chains.nodes.length));
  }

  /** Every rule with an id, chain heads only, in load order. */
  *rules(): Iterable<Rule> {
    for (const p of PHASES) for (const r of this.phases[p]!) if (r.marker === undefined) yield r;
  }

  get ruleCount(): number {
    return this.byId.size;
  }
}
