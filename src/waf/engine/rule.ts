// A compiled rule. SecRule, SecAction and SecMarker all become Rules (a marker only has a name);
// a chain is a head rule with `chainChild` links. Rules are built once by the loader and then
// only read: everything that changes during a request lives in the transaction.
import type { Operator } from '../operators/operator.js';
import type { Transformation } from '../transformations/transformation.js';
import type { VariableRef } from '../seclang/variable-list.js';
import type { VariableDef } from '../variables/variable.js';
import type { Macro } from './macro.js';
import type { Transaction } from './transaction.js';
import type { ChainNode } from './transform-chain.js';
import type { RulePrefilter } from './prefilter/rule-prefilter.js';
import type { KeyPattern } from '../regex/key-pattern.js';

/** One target of a rule, compiled against the variable registry. */
export interface Target {
  readonly ref: VariableRef;
  readonly variable: VariableDef;
  /** For `NAME:/regex/` selectors. */
  readonly keyRegex: KeyPattern | undefined;
  /** The full name as written without '!'/'&' (e.g. "ARGS:foo"), for target removal. */
  readonly fullName: string;
}

/** The XPath expression of an XML target ("XML:/*" when written without one). */
export function xpathExpression(t: Target): string {
  return t.ref.selector?.kind === 'xpath' ? t.ref.selector.expression : '/*';
}

/** An action that runs when the rule matches (setvar, ctl, initcol, ...). */
export interface RuntimeAction {
  readonly name: string;
  run(tx: Transaction, rule: Rule): void;
  /** What constant folding (engine/constant-folding.ts) must know of it; absent: nothing it folds around. */
  readonly facts?: ActionFacts;
}

/** The rules a ctl:ruleRemove* or ctl:ruleRemoveTarget* names: by id ranges, tag or message. */
export interface RuleSelector {
  readonly byId?: ReadonlyArray<readonly [number, number]>;
  readonly byTag?: string;
  readonly byMsg?: string;
}

/** Whether a selector names this (chain head) rule: every criterion it has must hold. */
export function selects(s: RuleSelector, head: Rule): boolean {
  if (s.byId !== undefined && !s.byId.some(([a, b]) => head.id >= a && head.id <= b)) return false;
  if (s.byTag !== undefined && !head.tags.includes(s.byTag)) return false;
  return s.byMsg === undefined || head.msg?.text === s.byMsg;
}

/** A ctl's removal, as constant folding sees it. */
export type RemovalFacts =
  /** Takes rules out of this transaction. */
  | { readonly kind: 'removeRules'; readonly rules: RuleSelector }
  /** Takes a target out of rules: which rules, and the target's variable. */
  | { readonly kind: 'removeTarget'; readonly rules: RuleSelector; readonly variable: string };

/** An action's effects on what constant folding relies on. */
export type ActionFacts =
  /** setvar: the collection, the key and value texts (macros unexpanded). */
  | { readonly kind: 'setvar'; readonly collection: string; readonly key: Macro; readonly value: Macro | undefined }
  | RemovalFacts;

export type DisruptiveKind = 'pass' | 'block' | 'deny' | 'drop' | 'allow' | 'redirect';
export type AllowScope = 'all' | 'phase' | 'request';

export class Rule {
  id = 0;
  phase = 2;
  marker: string | undefined = undefined;
  /** SecAction: no targets, no operator, always matches. */
  unconditional = false;

  targets: Target[] = [];
  exclusions: Target[] = [];
  operatorName = '';
  operatorParam = '';
  operator: Operator | undefined = undefined;
  negated = false;

  /** The rule's own t: list as written (after the last t:none when it has one). */
  ownTransformations: Transformation[] = [];
  hasNone = false;
  /** Effective chain: the phase's default transformations unless t:none, then the rule's. */
  transformations: readonly Transformation[] = [];
  /** The effective chain's node in the rule set's chain tree (see transform-chain.ts). */
  chainNode: ChainNode | undefined = undefined;
  /** Set when the operator declares literals and the rule set was built with prefilters. */
  prefilter: RulePrefilter | undefined = undefined;
  /**
   * For a rule whose operator is pure (Operator.pure), unless negated multiMatch: its bit in a
   * chain row's `misses` (value-memory.ts), set when the operator matched none of what the
   * rule tests of the value (its output, or for multiMatch every step's); -1 otherwise.
   */
  memo = -1;
  /** Set when the rule's only target is one TX member, untransformed (the loader's txMemberOf). */
  txMember: { readonly lowerKey: string; readonly count: boolean; readonly fullName: string } | undefined = undefined;

  msg: Macro | undefined = undefined;
  logdata: Macro | undefined = undefined;
  tags: string[] = [];
  severity: number | undefined = undefined;
  ver: string | undefined = undefined;
  rev: string | undefined = undefined;
  maturity: string | undefined = undefined;
  accuracy: string | undefined = undefined;

  disruptive: DisruptiveKind | undefined = undefined;
  allowScope: AllowScope = 'all';
  status: number | undefined = undefined;
  redirectUrl: Macro | undefined = undefined;

  log: boolean | undefined = undefined;
  auditlog: boolean | undefined = undefined;
  capture = false;
  multiMatch = false;
  chained = false;
  chainChild: Rule | undefined = undefined;
  chainParent: Rule | undefined = undefined;

  skip = 0;
  skipAfter: string | undefined = undefined;

  /** setvar actions: run for every matched value (ModSecurity v3), before the chain completes. */
  setvars: RuntimeAction[] = [];
  /** Other actions that run once the whole chain matched (ctl, initcol, setenv, expirevar...). */
  afterMatch: RuntimeAction[] = [];

  constructor(
    readonly file: string,
    readonly line: number,
  ) {}

  /** The first rule of this rule's chain (itself when not chained). */
  get chainHead(): Rule {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let r: Rule = this;
    while (r.chainParent) r = r.chainParent;
    return r;
  }

}

/** SecDefaultAction of one phase. */
export interface DefaultActions {
  readonly transformations: readonly Transformation[];
  readonly disruptive: DisruptiveKind;
  readonly status: number | undefined;
  readonly redirectUrl: Macro | undefined;
  readonly log: boolean | undefined;
  readonly auditlog: boolean | undefined;
  readonly tags: readonly string[];
  readonly afterMatch: readonly RuntimeAction[];
}

export const PASS_DEFAULTS: DefaultActions = Object.freeze({
  transformations: [],
  disruptive: 'pass',
  status: undefined,
  redirectUrl: undefined,
  log: undefined,
  auditlog: undefined,
  tags: [],
  afterMatch: [],
});
