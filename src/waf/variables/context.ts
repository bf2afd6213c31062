// Connection, time, identity and engine-state variables.
import { collection, registerVariable, scalar, type Entry } from './variable.js';
import type { TransactionState } from '../engine/transaction-state.js';

registerVariable(scalar('REMOTE_ADDR', (tx) => tx.remoteAddr));
registerVariable(scalar('REMOTE_HOST', (tx) => tx.remoteAddr));
registerVariable(scalar('REMOTE_PORT', (tx) => String(tx.remotePort)));
registerVariable(scalar('REMOTE_USER', () => undefined));
registerVariable(scalar('SERVER_ADDR', (tx) => tx.serverAddr));
registerVariable(scalar('SERVER_PORT', (tx) => String(tx.serverPort)));
registerVariable(scalar('UNIQUE_ID', (tx) => tx.id));
registerVariable(scalar('USERID', (tx) => tx.userId));
registerVariable(scalar('SESSIONID', (tx) => tx.sessionId));
registerVariable(scalar('WEBAPPID', (tx) => tx.webAppId));
registerVariable(scalar('HIGHEST_SEVERITY', (tx) => String(tx.highestSeverity)));
registerVariable(scalar('MSC_PCRE_ERROR', () => undefined));
registerVariable(scalar('MSC_PCRE_LIMITS_EXCEEDED', () => undefined));
registerVariable(scalar('MODSEC_BUILD', () => '030014100'));
registerVariable(scalar('DURATION', (tx) => String(Math.round(performance.now() - tx.startMono))));

const two = (n: number) => (n < 10 ? `0${n}` : String(n));
const local = (tx: TransactionState) => new Date(tx.startTime);
registerVariable(scalar('TIME', (tx) => {
  const d = local(tx);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}));
registerVariable(scalar('TIME_EPOCH', (tx) => String(Math.floor(tx.startTime / 1000))));
registerVariable(scalar('TIME_YEAR', (tx) => String(local(tx).getFullYear())));
registerVariable(scalar('TIME_MON', (tx) => two(local(tx).getMonth() + 1)));
registerVariable(scalar('TIME_DAY', (tx) => two(local(tx).getDate())));
registerVariable(scalar('TIME_HOUR', (tx) => two(local(tx).getHours())));
registerVariable(scalar('TIME_MIN', (tx) => two(local(tx).getMinutes())));
registerVariable(scalar('TIME_SEC', (tx) => two(local(tx).getSeconds())));
registerVariable(scalar('TIME_WDAY', (tx) => String(local(tx).getDay())));

registerVariable(scalar('MATCHED_VAR', (tx) => tx.matchedVar));
registerVariable(scalar('MATCHED_VAR_NAME', (tx) => tx.matchedVarName));
// A copy: a rule matching MATCHED_VARS adds to it while it is being read.
registerVariable(collection('MATCHED_VARS', (tx) => tx.matchedVars.slice()));
registerVariable(collection('MATCHED_VARS_NAMES', (tx) => tx.matchedVars.map((e) => ({ key: e.key, value: e.key }))));

registerVariable(collection('TX', (tx) => tx.tx.entries(), (tx, lower) => one(tx.tx.getEntry(lower))));
registerVariable(collection('ENV', (tx) => envEntries(tx), (tx, lower) => {
  const own = tx.env.getEntry(lower);
  if (own) return [own];
  const v = process.env[lower] ?? process.env[lower.toUpperCase()];
  return v === undefined ? [] : [{ key: lower, value: v }];
}));
for (const name of ['IP', 'GLOBAL', 'SESSION', 'USER', 'RESOURCE']) {
  registerVariable(collection(
    name,
    (tx) => tx.persistent.get(name)?.data.entries() ?? [],
    (tx, lower) => one(tx.persistent.get(name)?.data.getEntry(lower)),
  ));
}
registerVariable(collection('GEO', () => []));

registerVariable(collection('RULE', (tx) => ruleEntries(tx), (tx, lower) => ruleEntries(tx).filter((e) => e.key === lower)));

function one(e: Entry | undefined): readonly Entry[] {
  return e ? [e] : [];
}

function envEntries(tx: TransactionState): Entry[] {
  const out: Entry[] = [...tx.env.entries()];
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out.push({ key: k, value: v });
  return out;
}

function ruleEntries(tx: TransactionState): Entry[] {
  const r = tx.currentRule;
  if (!r) return [];
  const head = r.chainHead;
  const out: Entry[] = [{ key: 'id', value: String(head.id) }, { key: 'phase', value: String(head.phase) }];
  if (head.rev !== undefined) out.push({ key: 'rev', value: head.rev });
  if (head.ver !== undefined) out.push({ key: 'ver', value: head.ver });
  if (head.severity !== undefined) out.push({ key: 'severity', value: String(head.severity) });
  if (head.maturity !== undefined) out.push({ key: 'maturity', value: head.maturity });
  if (head.accuracy !== undefined) out.push({ key: 'accuracy', value: head.accuracy });
  if (head.msg !== undefined) out.push({ key: 'msg', value: head.msg.text });
  if (head.logdata !== undefined) out.push({ key: 'logdata', value: head.logdata.text });
  return out;
}
