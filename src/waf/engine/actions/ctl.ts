// ctl: changes to this transaction only — rule engine mode, rules and targets removed, the body
// processor, body access. Validated when the rule set loads.
import { parseVariableList } from '../../seclang/variable-list.js';
import { selectorPattern, type KeyPattern } from '../../regex/key-pattern.js';
import type { EngineMode } from '../settings.js';
import type { ActionFacts, RuntimeAction } from '../rule.js';
import type { RemovedTarget, Transaction } from '../transaction.js';
import { registerAction, requireValue } from './action.js';

const BODY_PROCESSORS = new Set(['URLENCODED', 'MULTIPART', 'JSON', 'XML']);

function onOff(option: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new Error(`ctl:${option} must be On or Off, not "${value}"`);
}

/** "942100", "942100-942199" or a space/comma separated list of those. */
export function parseIdRanges(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const part of text.split(/[\s,]+/)) {
    if (part === '') continue;
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a rule id or id range`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`the id range "${part}" is backwards`);
    out.push([a, b]);
  }
  if (out.length === 0) throw new Error('no rule ids given');
  return out;
}

/**
 * "id;TARGET" or "tag;TARGET": the rule part, and the target parsed (and its key regex compiled)
 * once, here, rather than on every request that runs the action.
 */
function splitTarget(option: string, value: string): [string, RemovedTarget] {
  const semi = value.indexOf(';');
  if (semi <= 0 || semi === value.length - 1) throw new Error(`ctl:${option} needs "<rule>;<target>", not "${value}"`);
  const target = value.slice(semi + 1).trim();
  const refs = parseVariableList(target);
  if (refs.length !== 1) throw new Error(`ctl:${option} takes one target, not "${target}"`);
  const ref = refs[0]!;
  let keyRegex: KeyPattern | undefined;
  try {
    keyRegex = selectorPattern(ref);
  } catch (err) {
    throw new Error(`ctl:${option}: ${(err as Error).message}`, { cause: err });
  }
  return [value.slice(0, semi).trim(), { ref, fullName: ref.written, keyRegex }];
}

function compileCtl(text: string): RuntimeAction {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`ctl needs "option=value", not "${text}"`);
  const option = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  const run = (fn: (tx: Transaction) => void, facts?: ActionFacts): RuntimeAction => (facts ? { name: `ctl:${option}`, run: fn, facts } : { name: `ctl:${option}`, run: fn });
  switch (option.toLowerCase()) {
    case 'ruleengine': {
      const modes: Record<string, EngineMode> = { on: 'On', off: 'Off', detectiononly: 'DetectionOnly' };
      const mode = modes[value.toLowerCase()];
      if (!mode) throw new Error(`ctl:ruleEngine must be On, Off or DetectionOnly, not "${value}"`);
      return run((tx) => tx.setEngineMode(mode));
    }
    case 'ruleremovebyid': {
      const ranges = parseIdRanges(value);
      return run((tx) => tx.removeRules(ranges), { kind: 'removeRules', rules: { byId: ranges } });
    }
    case 'ruleremovebytag':
      return run((tx) => tx.removeRulesByTag(value), { kind: 'removeRules', rules: { byTag: value } });
    case 'ruleremovebymsg':
      return run((tx) => tx.removeRulesByMsg(value), { kind: 'removeRules', rules: { byMsg: value } });
    case 'ruleremovetargetbyid': {
      const [id, target] = splitTarget(option, value);
      const ranges = parseIdRanges(id);
      return run((tx) => tx.removeTargetById(ranges, target), { kind: 'removeTarget', rules: { byId: ranges }, variable: target.ref.name });
    }
    case 'ruleremovetargetbytag': {
      const [tag, target] = splitTarget(option, value);
      return run((tx) => tx.removeTargetByTag(tag, target), { kind: 'removeTarget', rules: { byTag: tag }, variable: target.ref.name });
    }
    case 'ruleremovetargetbymsg': {
      const [msg, target] = splitTarget(option, value);
      return run((tx) => tx.removeTargetByMsg(msg, target), { kind: 'removeTarget', rules: { byMsg: msg }, variable: target.ref.name });
    }
    case 'requestbodyprocessor': {
      const p = value.toUpperCase();
      if (!BODY_PROCESSORS.has(p)) throw new Error(`ctl:requestBodyProcessor must be URLENCODED, MULTIPART, JSON or XML, not "${value}"`);
      return run((tx) => tx.setRequestBodyProcessor(p));
    }
    case 'requestbodyaccess': {
      const on = onOff(option, value);
      return run((tx) => tx.setRequestBodyAccess(on));
    }
    case 'responsebodyaccess': {
      const on = onOff(option, value);
      return run((tx) => tx.setResponseBodyAccess(on));
    }
    case 'forcerequestbodyvariable': {
      const on = onOff(option, value);
      return run((tx) => tx.setForceRequestBodyVariable(on));
    }
    case 'auditengine': {
      const v = value.toLowerCase();
      if (!['on', 'off', 'relevantonly'].includes(v)) throw new Error(`ctl:auditEngine must be On, Off or RelevantOnly, not "${value}"`);
      return run((tx) => tx.setAuditEngine(v));
    }
    case 'auditlogparts':
      if (!/^[+-]?[A-KZ]+$/.test(value)) throw new Error(`ctl:auditLogParts must be audit log part letters, not "${value}"`);
      return run((tx) => tx.setAuditLogParts(value));
    case 'requestbodylimit':
    case 'debugloglevel':
    case 'hashengine':
    case 'hashenforcement':
      // Accepted, no effect here.
      return run(() => {});
    default:
      throw new Error(`unknown ctl option "${option}"`);
  }
}

registerAction({
  name: 'ctl',
  build(value, rule) {
    rule.afterMatch.push(compileCtl(requireValue('ctl', value)));
  },
});
