// Judging one stage as go-ftw's checkResult does, in its order:
//
//   1. expect_error: when set, the stage passes exactly when the client got no response;
//   2. an error nobody expected fails the stage;
//   3. status (one number, or — legacy form — any of a list);
//   4. response_contains (a Go regex over the whole raw response);
//   5. the log: match_regex and expect_ids (every id among the logged ones), isolated (exactly
//      one rule logged), no_match_regex and no_expect_ids (none of them logged).
//
// Unlike go-ftw, which stops at the first failed check, every failed check is reported.
import { compileGoRegex, GoRegexError } from './go-regex.js';
import type { LoggedRule, Observation, StageOutput } from './types.js';

export interface Judgement {
  readonly pass: boolean;
  readonly reasons: string[];
  /** Short names of the failed checks: status, missing-ids, unexpected-ids, match-regex, ... */
  readonly checks: string[];
  readonly missingIds: number[];
  readonly unexpectedIds: number[];
}

const regexCache = new Map<string, RegExp | GoRegexError>();

function goRegex(pattern: string): RegExp {
  let r = regexCache.get(pattern);
  if (!r) {
    try {
      r = compileGoRegex(pattern);
    } catch (err) {
      r = err instanceof GoRegexError ? err : new GoRegexError(String(err));
    }
    regexCache.set(pattern, r);
  }
  if (r instanceof GoRegexError) throw r;
  r.lastIndex = 0;
  return r;
}

/** Sorted unique ids found in the log lines, as go-ftw extracts them. */
export function idsInLog(log: readonly LoggedRule[]): number[] {
  const ids = new Set<number>();
  const re = /\[(?:id |\\?"id\\?":)\\?"(\d+)\\?"\]/g;
  for (const l of log) for (const m of l.line.matchAll(re)) ids.add(Number(m[1]));
  return [...ids].sort((a, b) => a - b);
}

export function judge(expected: StageOutput, observed: Observation, log: readonly LoggedRule[]): Judgement {
  const reasons: string[] = [];
  const checks: string[] = [];
  const fail = (check: string, reason: string) => {
    checks.push(check);
    reasons.push(reason);
  };
  const result = (): Judgement => ({ pass: reasons.length === 0, reasons, checks, missingIds, unexpectedIds });
  const missingIds: number[] = [];
  const unexpectedIds: number[] = [];

  if (expected.expectError === true) {
    if (observed.kind !== 'error') fail('expect-error', `expected no response (an error), got status ${observed.status}`);
    return result();
  }
  if (observed.kind === 'error') {
    fail('error', `no response: ${observed.message}`);
    return result();
  }
  if (expected.status && expected.status.length > 0 && !expected.status.includes(observed.status)) {
    fail('status', `status ${observed.status}, expected ${expected.status.join(' or ')}`);
  }
  const tryRegex = (check: string, pattern: string, test: (re: RegExp) => boolean, message: string) => {
    try {
      if (!test(goRegex(pattern))) fail(check, message);
    } catch (err) {
      fail('harness', `cannot use ${check} /${pattern}/: ${(err as Error).message}`);
    }
  };
  if (expected.responseContains) {
    tryRegex('response-contains', expected.responseContains, (re) => re.test(observed.raw), `response does not match /${expected.responseContains}/`);
  }
  const lines = log.map((l) => l.line);
  const anyLine = (re: RegExp) =>
    lines.some((l) => {
      re.lastIndex = 0;
      return re.test(l);
    });
  const ids = idsInLog(log);
  const logExp = expected.log;
  if (logExp.matchRegex) tryRegex('match-regex', logExp.matchRegex, anyLine, `no log line matches /${logExp.matchRegex}/`);
  if (logExp.expectIds && logExp.expectIds.length > 0) {
    for (const id of logExp.expectIds) if (!ids.includes(id)) missingIds.push(id);
    if (missingIds.length > 0) fail('missing-ids', `missing ids ${missingIds.join(', ')}`);
  }
  if (expected.isolated && ids.length !== 1) fail('isolated', `isolated test, but ${ids.length} rules logged`);
  if (logExp.noMatchRegex) tryRegex('no-match-regex', logExp.noMatchRegex, (re) => !anyLine(re), `a log line matches /${logExp.noMatchRegex}/`);
  if (logExp.noExpectIds && logExp.noExpectIds.length > 0) {
    for (const id of logExp.noExpectIds) if (ids.includes(id)) unexpectedIds.push(id);
    if (unexpectedIds.length > 0) fail('unexpected-ids', `unexpected ids ${unexpectedIds.join(', ')}`);
  }
  return result();
}
