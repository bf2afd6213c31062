// A variable is a named view of the transaction: a scalar (REQUEST_URI) or a collection with
// members (ARGS:name). Definitions are registered by name; a rule's targets are compiled against
// them once, when the rule set loads. Values are byte strings.
import type { TransactionState } from '../engine/transaction-state.js';

/** One member of a collection. */
export interface Entry {
  /** The member's key as the client sent it (e.g. the argument name). */
  readonly key: string;
  readonly value: string;
}

/**
 * `stable`: the value depends only on the request and response bytes and is set before a phase
 * starts, so no rule action can change it while the phase runs (ARGS, headers, the body...; not
 * TX, MATCHED_VAR or REQBODY_PROCESSOR). The prefilter relies on it to look at a variable's
 * values once per phase for all the rules that read it.
 */
export interface ScalarVariable {
  readonly kind: 'scalar';
  readonly name: string;
  readonly stable?: boolean;
  /** The value, or undefined when the transaction has none (then it yields no target). */
  get(tx: TransactionState): string | undefined;
}

export interface CollectionVariable {
  readonly kind: 'collection';
  readonly name: string;
  readonly stable?: boolean;
  /** All members, in order. The array must not be modified by the caller. */
  entries(tx: TransactionState): readonly Entry[];
  /**
   * Members whose key equals `lowerKey` case-insensitively. Optional: for collections with an
   * index (TX and the persistent ones); the default filters entries().
   */
  lookup?(tx: TransactionState, lowerKey: string): readonly Entry[];
}

/** XML: members are selected by an XPath expression. */
export interface XPathVariable {
  readonly kind: 'xpath';
  readonly name: string;
  readonly stable?: boolean;
  select(tx: TransactionState, expression: string): readonly Entry[];
}

export type VariableDef = ScalarVariable | CollectionVariable | XPathVariable;

const registry = new Map<string, VariableDef>();

export function registerVariable(def: VariableDef): void {
  registry.set(def.name, def);
}

export function getVariable(name: string): VariableDef | undefined {
  // Names compiled into rules and macros are upper case already: no new string for them.
  return registry.get(name) ?? registry.get(name.toUpperCase());
}

export function variableNames(): string[] {
  return [...registry.keys()].sort();
}

/** The definition, marked stable within a phase (see ScalarVariable). */
export function stable<T extends VariableDef>(def: T): T {
  return { ...def, stable: true };
}

/** Shorthand for a scalar definition. */
export function scalar(name: string, get: (tx: TransactionState) => string | undefined): ScalarVariable {
  return { kind: 'scalar', name, get };
}

/** Shorthand for a collection definition. */
export function collection(
  name: string,
  entries: (tx: TransactionState) => readonly Entry[],
  lookup?: (tx: TransactionState, lowerKey: string) => readonly Entry[],
): CollectionVariable {
  return lookup ? { kind: 'collection', name, entries, lookup } : { kind: 'collection', name, entries };
}

/** Entries whose value is their own key (the *_NAMES variables). */
export function namesOf(entries: readonly Entry[]): Entry[] {
  const out: Entry[] = new Array<Entry>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const k = entries[i]!.key;
    out[i] = { key: k, value: k };
  }
  return out;
}
