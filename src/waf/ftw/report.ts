// The text report of a suite run: failures grouped by rule (what was expected, what came back),
// failure classes, the slowest stages, the overridden counts, and the last line
// "N passed, N failed".
import { toHexIfNeeded } from './error-log.js';
import { slowest, type SuiteReport } from './suite.js';
import type { StageResult } from './types.js';

export interface ReportOptions {
  readonly verbose?: boolean;
  /** Cap on failures printed per rule (default: all). */
  readonly maxPerRule?: number;
}

export function stageName(r: Pick<StageResult, 'ruleId' | 'testId' | 'stageIndex'>): string {
  return `${r.ruleId}-${r.testId}${r.stageIndex > 0 ? ` stage ${r.stageIndex + 1}` : ''}`;
}

function expectedText(r: StageResult): string {
  const e = r.expected;
  const parts: string[] = [];
  if (e.expectError) parts.push('no response');
  if (e.status) parts.push(`status ${e.status.join('|')}`);
  if (e.log.expectIds?.length) parts.push(`ids ${e.log.expectIds.join(',')}`);
  if (e.log.noExpectIds?.length) parts.push(`not ${e.log.noExpectIds.join(',')}`);
  if (e.log.matchRegex) parts.push(`log ~ /${e.log.matchRegex}/`);
  if (e.log.noMatchRegex) parts.push(`log !~ /${e.log.noMatchRegex}/`);
  if (e.responseContains) parts.push(`response ~ /${e.responseContains}/`);
  return parts.join(', ') || 'nothing';
}

function gotText(r: StageResult): string {
  const g = r.got;
  const parts: string[] = [];
  if (g.refused !== undefined) parts.push(`gateway: ${g.refused}`);
  else if (g.error !== undefined) parts.push(`no response (${g.error})`);
  if (g.status !== undefined && g.refused === undefined) parts.push(`status ${g.status}`);
  if (g.refused === undefined) parts.push(g.ids.length > 0 ? `ids ${g.ids.join(',')}` : 'no ids');
  return parts.join(', ');
}

/** A byte string shown on one line: \r, \n, \t, other controls and bytes above 126 escaped. */
export function escapeBytes(s: string): string {
  return toHexIfNeeded(s.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t'));
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length - n} more)` : s;
}

export function formatFailure(r: StageResult, verbose = false): string[] {
  const lines = [`  ${stageName(r)} [${r.classes.join(', ')}]: ${r.reasons.join('; ')}`];
  lines.push(`      expected ${expectedText(r)}; got ${gotText(r)}`);
  if (verbose) {
    if (r.description) lines.push(`      about: ${clip(r.description.trim().replace(/\s+/g, ' '), 200)}`);
    if (r.override) lines.push(`      override: ${r.override.reason.trim().replace(/\s+/g, ' ')}`);
    if (r.request !== undefined) lines.push(`      request: ${clip(escapeBytes(r.request), 600)}`);
    for (const l of r.log ?? []) lines.push(`      log: ${clip(l, 400)}`);
  }
  return lines;
}

export function formatReport(report: SuiteReport, options: ReportOptions = {}): string {
  const out: string[] = [];
  const failed = report.results.filter((r) => r.verdict === 'failed');
  const byRule = new Map<number, StageResult[]>();
  for (const r of failed) {
    const list = byRule.get(r.ruleId) ?? [];
    list.push(r);
    byRule.set(r.ruleId, list);
  }
  if (failed.length > 0) out.push(`Failures (${failed.length}, ${byRule.size} rules):`);
  for (const [rule, list] of [...byRule].sort((a, b) => a[0] - b[0])) {
    out.push(`rule ${rule} (${list.length} failed, ${list[0]!.file})`);
    const shown = options.maxPerRule !== undefined ? list.slice(0, options.maxPerRule) : list;
    for (const r of shown) out.push(...formatFailure(r, options.verbose));
    if (shown.length < list.length) out.push(`  … and ${list.length - shown.length} more`);
  }
  const overridden = report.results.filter((r) => r.verdict === 'overridden');
  if (options.verbose && overridden.length > 0) {
    out.push('', 'Overridden (not judged):');
    for (const r of overridden) out.push(`  ${stageName(r)}: ${r.override!.reason.trim().replace(/\s+/g, ' ')}`);
  }
  const classes = new Map<string, number>();
  for (const r of failed) for (const c of r.classes) classes.set(c, (classes.get(c) ?? 0) + 1);
  if (classes.size > 0) {
    out.push('', `Failures by check: ${[...classes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  const s = report.summary;
  const stopped = (r: StageResult) => r.classes.includes('runaway') || r.classes.includes('timeout');
  const nStopped = report.results.filter(stopped).length;
  out.push('', `Slowest stages (WAF time)${nStopped > 0 ? `, besides the ${nStopped} stopped by the budget` : ''}:`);
  for (const r of slowest(report.results.filter((x) => !stopped(x)), 5)) {
    const call = r.slowestCall ? ` (slowest operator call: rule ${r.slowestCall.ruleId}, ${r.slowestCall.ms} ms)` : '';
    out.push(`  ${stageName(r)}: ${r.durationMs.toFixed(1)} ms${call}`);
  }
  // Passes the WAF had no part in: the gateway refused the request and the test only said which
  // ids must not appear.
  const vacuous = report.results.filter((r) => r.verdict === 'passed' && r.got.refused !== undefined && !r.expected.status && !r.expected.expectError).length;
  out.push(
    '',
    `${s.total} stages from ${s.files} files (${report.testsDir}); front end: ${report.frontEnd}; rules and test files loaded in ${s.loadMs} ms, stages run in ${(s.runMs / 1000).toFixed(1)} s`,
    ...(vacuous > 0 ? [`${vacuous} passed with only no_expect_ids on a request the gateway refused (the WAF never saw it)`] : []),
    `${s.overridden} overridden (not judged), ${s.passedWithOverride} passed against an override's output (counted as passed)${report.overridesFile ? `; overrides: ${report.overridesFile}` : ''}`,
    `${s.passed} passed, ${s.failed} failed`,
  );
  return `${out.join('\n')}\n`;
}
