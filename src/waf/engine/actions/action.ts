// Actions (the third argument of SecRule, and SecAction/SecDefaultAction) are registered by name.
// Building an action either records metadata on the rule (id, msg, tag, t:, disruptive...) or adds
// a runtime action the transaction runs when the rule matches (setvar, ctl, initcol...).
import type { Rule } from '../rule.js';

export interface ActionDef {
  /** Lower-case name. */
  readonly name: string;
  /** Applies the action to a rule being built; throws an Error saying what is wrong. */
  build(value: string | undefined, rule: Rule): void;
}

const registry = new Map<string, ActionDef>();

export function registerAction(def: ActionDef): void {
  registry.set(def.name, def);
}

export function getAction(name: string): ActionDef | undefined {
  return registry.get(name.toLowerCase());
}

export function requireValue(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new Error(`action "${name}" needs a value`);
  return value;
}

export function forbidValue(name: string, value: string | undefined): void {
  if (value !== undefined && value !== '') throw new Error(`action "${name}" takes no value`);
}
