// Actions on persistent collections and identity: initcol, expirevar, setuid, setsid, setrsc,
// and setenv.
import { Macro } from '../macro.js';
import type { RuntimeAction } from '../rule.js';
import type { Transaction } from '../transaction.js';
import { registerAction, requireValue } from './action.js';
import { cStoi } from '../../operators/c-integer.js';

const PERSISTENT = new Set(['IP', 'GLOBAL', 'SESSION', 'USER', 'RESOURCE']);

function splitAssignment(action: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`${action} needs "name=value", not "${text}"`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

registerAction({
  name: 'initcol',
  build(value, rule) {
    const [name, key] = splitAssignment('initcol', requireValue('initcol', value));
    const collection = name.toUpperCase();
    if (!PERSISTENT.has(collection)) throw new Error(`initcol cannot initialise "${name}" (IP, GLOBAL, SESSION, USER or RESOURCE)`);
    const keyMacro = Macro.compile(key);
    rule.afterMatch.push({ name: 'initcol', run: (tx: Transaction) => tx.initCollection(collection, keyMacro.expand(tx)) });
  },
});

registerAction({
  name: 'expirevar',
  build(value, rule) {
    const [target, seconds] = splitAssignment('expirevar', requireValue('expirevar', value));
    const dot = target.indexOf('.');
    if (dot <= 0) throw new Error(`expirevar needs "collection.name=seconds", not "${value}"`);
    const collection = target.slice(0, dot).toUpperCase();
    const key = Macro.compile(target.slice(dot + 1));
    const secs = Macro.compile(seconds);
    const action: RuntimeAction = {
      name: 'expirevar',
      run: (tx: Transaction) => tx.expireVariable(collection, key.expand(tx), cStoi(secs.expand(tx))),
    };
    rule.afterMatch.push(action);
  },
});

for (const [name, collection] of [['setuid', 'USER'], ['setsid', 'SESSION'], ['setrsc', 'RESOURCE']] as const) {
  registerAction({
    name,
    build(value, rule) {
      const key = Macro.compile(requireValue(name, value));
      rule.afterMatch.push({ name, run: (tx: Transaction) => tx.setIdentity(collection, key.expand(tx)) });
    },
  });
}

registerAction({
  name: 'setenv',
  build(value, rule) {
    const [name, v] = splitAssignment('setenv', requireValue('setenv', value));
    const val = Macro.compile(v);
    rule.afterMatch.push({ name: 'setenv', run: (tx: Transaction) => tx.env.set(name, val.expand(tx)) });
  },
});
