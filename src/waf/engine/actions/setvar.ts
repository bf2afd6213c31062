// setvar: `tx.name=value`, `tx.name=+5`, `tx.name=-5`, `!tx.name`, `tx.name` (sets "1").
// Names and values may hold macros, expanded when the action runs. Arithmetic follows
// ModSecurity: both sides are read as std::stoi does, anything non-numeric counting as 0.
import { Macro } from '../macro.js';
import type { ActionFacts, RuntimeAction } from '../rule.js';
import type { Transaction } from '../transaction.js';
import { registerAction, requireValue } from './action.js';
import { cStoi } from '../../operators/c-integer.js';

export const WRITABLE_COLLECTIONS = new Set(['TX', 'IP', 'GLOBAL', 'SESSION', 'USER', 'RESOURCE']);

type Op = 'set' | 'setOne' | 'add' | 'sub' | 'delete';

class SetVar implements RuntimeAction {
  readonly name = 'setvar';
  readonly facts: ActionFacts;
  constructor(
    private readonly collection: string,
    private readonly key: Macro,
    private readonly op: Op,
    private readonly value: Macro | undefined,
  ) {
    this.facts = { kind: 'setvar', collection, key, value };
  }

  run(tx: Transaction): void {
    const target = tx.writableCollection(this.collection);
    if (!target) return; // A persistent collection that was never initialised (initcol).
    const key = this.key.expand(tx);
    if (key === '') return;
    switch (this.op) {
      case 'delete':
        target.delete(key);
        return;
      case 'setOne':
        target.set(key, '1');
        return;
      case 'set':
        target.set(key, this.value!.expand(tx));
        return;
      case 'add':
      case 'sub': {
        const current = cStoi(target.get(key) ?? '');
        const delta = cStoi(this.value!.expand(tx));
        target.set(key, String(this.op === 'add' ? current + delta : current - delta));
      }
    }
  }
}

export function parseSetVar(text: string): RuntimeAction {
  let spec = text.trim();
  let op: Op = 'setOne';
  if (spec.startsWith('!')) {
    op = 'delete';
    spec = spec.slice(1);
  }
  const dot = spec.indexOf('.');
  if (dot <= 0) throw new Error(`setvar needs "collection.name", not "${text}"`);
  const collection = spec.slice(0, dot).toUpperCase();
  if (!WRITABLE_COLLECTIONS.has(collection)) throw new Error(`setvar cannot write the ${collection} collection`);
  const rest = spec.slice(dot + 1);
  const eq = rest.indexOf('=');
  let name = rest;
  let value: Macro | undefined;
  if (eq !== -1) {
    if (op === 'delete') throw new Error(`setvar "!${rest}" deletes a variable and takes no value`);
    name = rest.slice(0, eq);
    let v = rest.slice(eq + 1);
    op = 'set';
    if (v.startsWith('+')) {
      op = 'add';
      v = v.slice(1);
    } else if (v.startsWith('-')) {
      op = 'sub';
      v = v.slice(1);
    }
    value = Macro.compile(v);
  }
  if (name.trim() === '') throw new Error(`setvar "${text}" has no variable name`);
  return new SetVar(collection, Macro.compile(name.trim()), op, value);
}

registerAction({
  name: 'setvar',
  build(value, rule) {
    rule.setvars.push(parseSetVar(requireValue('setvar', value)));
  },
});
