// The lines ModSecurity v3 writes to the web server's error log for a transaction, one per logged
// rule match (RuleMessage::log with the client prefix, as the nginx connector asks for):
//
//   [client 127.0.0.1] ModSecurity: Warning. Matched "Operator `Rx' with parameter `...' against
//   variable `ARGS:testarg' (Value: `...' ) [file "..."] [line "..."] [id "942100"] [rev ""]
//   [msg "..."] [data "..."] [severity "2"] [ver "..."] [maturity "0"] [accuracy "0"]
//   [tag "..."]... [hostname "..."] [uri "..."] [unique_id "..."] [ref ""]
//
// A chain logs once, under its head's id, with the last variable matched in the chain; a
// multiMatch rule logs once per match. go-ftw finds rule ids in these lines with
// `\[id "(\d+)"\]` and runs match_regex over them line by line.
//
// Differences from ModSecurity that a reader of a failure should know: the value shown is the
// one the operator saw (after transformations; ModSecurity shows it before), macros in operator
// parameters are shown unexpanded, and [ref] is left empty.
import type { MatchedRule, Transaction } from '../engine/transaction.js';
import type { LoggedRule } from './types.js';

/** utils::string::toHexIfNeeded: bytes outside 32-126 (and with `spec`, '"' and '\') as \xNN. */
export function toHexIfNeeded(s: string, spec = false): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (c < 32 || c > 126 || (spec && (c === 34 || c === 92))) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += s[i];
  }
  return out;
}

/** utils::string::limitTo. */
export function limitTo(n: number, s: string): string {
  return s.length > n ? `${s.slice(0, n)} (${s.length - n} characters omitted)` : s;
}

/** ModSecurity's operator class names: "rx" → "Rx", "pmFromFile" → "PmFromFile". */
function operatorTitle(name: string): string {
  if (name === 'detectSQLi') return 'DetectSQLi';
  if (name === 'detectXSS') return 'DetectXSS';
  return name === '' ? '' : name[0]!.toUpperCase() + name.slice(1);
}

function matchText(operator: string, param: string, variable: string, value: string): string {
  return `Matched "Operator \`${operator}' with parameter \`${limitTo(200, param)}' against variable \`${variable}' (Value: \`${limitTo(100, toHexIfNeeded(value))}' )`;
}

export interface LogContext {
  readonly clientAddr: string;
  readonly hostname: string;
  /** The decoded path (ModSecurity's m_uri_no_query_string_decoded). */
  readonly uri: string;
  readonly uniqueId: string;
}

/** The log context of a finished transaction. */
export function logContextOf(tx: Transaction, clientAddr: string): LogContext {
  const host = tx.requestHeaders.find((h) => h.key.toLowerCase() === 'host')?.value;
  const hostname = host !== undefined ? host.replace(/:[0-9]*$/, '') : tx.serverAddr;
  return { clientAddr, hostname, uri: tx.requestFilename, uniqueId: tx.id };
}

/** The error-log lines of one matched rule (none when it is not logged). */
export function errorLogLines(tx: Transaction, m: MatchedRule, ctx: LogContext): string[] {
  if (!m.logged) return [];
  const rule = tx.ruleset.byId.get(m.id);
  // The operator of the chain link that matched last (the chain's last link).
  let link = rule;
  while (link?.chainChild) link = link.chainChild;
  const op = operatorTitle(link?.operatorName ?? '');
  const param = link?.operatorParam ?? '';
  const details = (match: string): string => {
    let s = `[client ${ctx.clientAddr}] ModSecurity: Warning. ${match}`;
    s += ` [file "${m.file}"] [line "${m.line}"] [id "${m.id}"] [rev "${toHexIfNeeded(rule?.rev ?? '', true)}"]`;
    s += ` [msg "${m.message}"] [data "${toHexIfNeeded(limitTo(200, m.data), true)}"]`;
    s += ` [severity "${m.severity ?? 0}"] [ver "${toHexIfNeeded(m.ver ?? '', true)}"]`;
    s += ` [maturity "${rule?.maturity ?? 0}"] [accuracy "${rule?.accuracy ?? 0}"]`;
    for (const t of m.tags) s += ` [tag "${toHexIfNeeded(t, true)}"]`;
    s += ` [hostname "${ctx.hostname}"] [uri "${limitTo(200, ctx.uri)}"] [unique_id "${ctx.uniqueId}"] [ref ""]`;
    return toHexIfNeeded(s);
  };
  if (m.matched.length === 0) return [details('')];
  if (rule?.multiMatch) return m.matched.map((v) => details(matchText(op, param, v.name, v.value)));
  const last = m.matched[m.matched.length - 1]!;
  return [details(matchText(op, param, last.name, last.value))];
}

/** Every logged line of the transaction, in match order, with the ids go-ftw would find. */
export function transactionLog(tx: Transaction, clientAddr: string): LoggedRule[] {
  const ctx = logContextOf(tx, clientAddr);
  const out: LoggedRule[] = [];
  for (const m of tx.matchedRules) for (const line of errorLogLines(tx, m, ctx)) out.push({ id: m.id, phase: m.phase, line });
  return out;
}
