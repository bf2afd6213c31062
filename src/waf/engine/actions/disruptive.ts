// Disruptive actions: what happens to the transaction when the (whole chain of the) rule matches.
// They take effect only when SecRuleEngine is On; `block` means "the phase's default action".
import { Macro } from '../macro.js';
import { forbidValue, registerAction, requireValue } from './action.js';
import type { Rule } from '../rule.js';

function setDisruptive(rule: Rule, kind: NonNullable<Rule['disruptive']>): void {
  if (rule.chainParent) throw new Error('disruptive actions can only be specified by chain starter rules');
  rule.disruptive = kind;
}

for (const kind of ['pass', 'block', 'deny', 'drop'] as const) {
  registerAction({
    name: kind,
    build(value, rule) {
      forbidValue(kind, value);
      setDisruptive(rule, kind);
    },
  });
}

registerAction({
  name: 'allow',
  build(value, rule) {
    const v = (value ?? '').toLowerCase();
    if (v !== '' && v !== 'phase' && v !== 'request') throw new Error(`allow takes "phase" or "request", not "${value}"`);
    setDisruptive(rule, 'allow');
    rule.allowScope = v === '' ? 'all' : v;
  },
});

registerAction({
  name: 'redirect',
  build(value, rule) {
    setDisruptive(rule, 'redirect');
    rule.redirectUrl = Macro.compile(requireValue('redirect', value));
  },
});
