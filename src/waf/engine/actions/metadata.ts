// Actions that describe the rule: identity, phase, messages, classification, logging flags,
// transformations and flow control. They act when the rule set loads, not per request.
import { getTransformation } from '../../transformations/registry.js';
import { Macro } from '../macro.js';
import { forbidValue, registerAction, requireValue } from './action.js';
import { cStoi } from '../../operators/c-integer.js';
import type { Rule } from '../rule.js';

registerAction({
  name: 'id',
  build(value, rule) {
    const v = requireValue('id', value);
    if (!/^[0-9]+$/.test(v) || Number(v) <= 0 || Number(v) > 0xffffffff) throw new Error(`id must be a positive integer, not "${v}"`);
    rule.id = Number(v);
  },
});

registerAction({
  name: 'phase',
  build(value, rule) {
    const v = requireValue('phase', value).toLowerCase();
    const named: Record<string, number> = { request: 2, response: 4, logging: 5 };
    const n = /^[0-9]+$/.test(v) ? Number(v) : named[v];
    if (n === undefined || n < 1 || n > 5) throw new Error(`phase must be 1-5, request, response or logging, not "${value}"`);
    rule.phase = n;
  },
});

registerAction({ name: 'msg', build: (v, rule) => void (rule.msg = Macro.compile(v ?? '')) });
registerAction({ name: 'logdata', build: (v, rule) => void (rule.logdata = Macro.compile(v ?? '')) });
registerAction({ name: 'tag', build: (v, rule) => void rule.tags.push(requireValue('tag', v)) });
registerAction({ name: 'ver', build: (v, rule) => void (rule.ver = v ?? '') });
registerAction({ name: 'rev', build: (v, rule) => void (rule.rev = v ?? '') });
registerAction({ name: 'maturity', build: (v, rule) => void (rule.maturity = v ?? '') });
registerAction({ name: 'accuracy', build: (v, rule) => void (rule.accuracy = v ?? '') });

const SEVERITIES: Record<string, number> = {
  emergency: 0, alert: 1, critical: 2, error: 3, warning: 4, notice: 5, info: 6, debug: 7,
};
registerAction({
  name: 'severity',
  build(value, rule) {
    const v = requireValue('severity', value).toLowerCase();
    const n = SEVERITIES[v] ?? (/^[0-7]$/.test(v) ? Number(v) : undefined);
    if (n === undefined) throw new Error(`severity must be EMERGENCY..DEBUG or 0-7, not "${value}"`);
    rule.severity = n;
  },
});

function flag(name: string, set: (rule: Rule) => void): void {
  registerAction({
    name: name.toLowerCase(),
    build(value, rule) {
      forbidValue(name, value);
      set(rule);
    },
  });
}
flag('log', (r) => (r.log = true));
flag('nolog', (r) => (r.log = false));
flag('auditlog', (r) => (r.auditlog = true));
flag('noauditlog', (r) => (r.auditlog = false));
flag('capture', (r) => (r.capture = true));
flag('multiMatch', (r) => (r.multiMatch = true));
flag('chain', (r) => (r.chained = true));

registerAction({
  name: 'status',
  build(value, rule) {
    const v = requireValue('status', value);
    if (!/^[0-9]{3}$/.test(v) || Number(v) < 100) throw new Error(`status must be an HTTP status code, not "${v}"`);
    rule.status = Number(v);
  },
});

registerAction({
  name: 't',
  build(value, rule) {
    const name = requireValue('t', value);
    if (name.toLowerCase() === 'none') {
      // ModSecurity discards the transformations listed before t:none (and the defaults).
      rule.hasNone = true;
      rule.ownTransformations = [];
      return;
    }
    const t = getTransformation(name);
    if (!t) throw new Error(`unknown transformation "${name}"`);
    rule.ownTransformations.push(t);
  },
});

registerAction({
  name: 'skip',
  build(value, rule) {
    const n = cStoi(requireValue('skip', value));
    if (n < 1) throw new Error(`skip needs a positive number of rules, not "${value}"`);
    rule.skip = n;
  },
});
registerAction({ name: 'skipafter', build: (v, rule) => void (rule.skipAfter = requireValue('skipAfter', v)) });

// Accepted for compatibility; they change nothing here. Sanitising: Portcullis' event pipeline
// redacts credentials and card numbers in every sink, so the audit-log sanitisers are moot.
for (const name of ['sanitisearg', 'sanitisematched', 'sanitisematchedbytes', 'sanitiserequestheader', 'sanitiseresponseheader', 'xmlns', 'deprecatevar', 'pause']) {
  registerAction({ name, build() {} });
}

// Refused: they would make a rule run programs or change traffic in ways we do not support.
for (const name of ['exec', 'proxy', 'append', 'prepend']) {
  registerAction({
    name,
    build() {
      throw new Error(`action "${name}" is not supported`);
    },
  });
}
