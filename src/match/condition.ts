// Request conditions shared by ACL rules and rate-limit policies: client IP (addresses, CIDRs,
// named lists), method, host, path (prefix, glob or linear-time regex) and header values. A
// compiled condition tests the cheap facts first and allocates nothing per request.
import type { ConditionConfig } from '../config/schema.js';
import { buildIpSet, type IpSet } from '../util/ip.js';
import { compileGlob, compileLinearRegex } from '../util/linear-regex.js';
import { HostMatcher } from './host.js';
import { pathHasPrefix } from './path-prefix.js';

/** What a condition may look at; the gateway's Exchange provides it. */
export interface MatchInput {
  readonly clientIp: string;
  readonly method: string;
  /** Normalised (lower-case, no port). */
  readonly host: string;
  /** Normalised path, without the query. */
  readonly path: string;
  /** First value of a header, by lower-case name. */
  header(name: string): string | undefined;
}

type Test = (input: MatchInput) => boolean;

export interface CompiledCondition {
  matches(input: MatchInput): boolean;
}

const ALWAYS: CompiledCondition = { matches: () => true };

export type ReportProblem = (path: ReadonlyArray<string | number>, message: string) => void;

function headerTest(h: NonNullable<ConditionConfig['headers']>[number], index: number, report: ReportProblem): Test | undefined {
  const name = h.name.toLowerCase();
  const ops = (['present', 'equals', 'prefix', 'regex'] as const).filter((k) => h[k] !== undefined);
  if (ops.length !== 1) {
    report(['headers', index], 'give exactly one of present, equals, prefix or regex');
    return undefined;
  }
  if (h.present !== undefined) {
    const want = h.present;
    return (input) => (input.header(name) !== undefined) === want;
  }
  if (h.equals !== undefined) {
    const want = h.equals;
    return (input) => input.header(name) === want;
  }
  if (h.prefix !== undefined) {
    const want = h.prefix;
    return (input) => input.header(name)?.startsWith(want) === true;
  }
  try {
    const re = compileLinearRegex(h.regex!);
    return (input) => {
      const v = input.header(name);
      return v !== undefined && re.test(v);
    };
  } catch (err) {
    report(['headers', index, 'regex'], (err as Error).message);
    return undefined;
  }
}

function pathTest(path: NonNullable<ConditionConfig['path']>, report: ReportProblem): Test | undefined {
  const given = (['prefix', 'glob', 'regex'] as const).filter((k) => path[k] !== undefined);
  if (given.length !== 1) {
    report(['path'], 'give exactly one of prefix, glob or regex');
    return undefined;
  }
  if (path.prefix !== undefined) {
    const prefix = path.prefix;
    return (input) => pathHasPrefix(input.path, prefix);
  }
  try {
    const re = path.glob !== undefined ? compileGlob(path.glob) : compileLinearRegex(path.regex!);
    return (input) => re.test(input.path);
  } catch (err) {
    report(['path', path.glob !== undefined ? 'glob' : 'regex'], (err as Error).message);
    return undefined;
  }
}

function ipTest(entries: readonly string[], lists: Readonly<Record<string, readonly string[]>>, key: string, report: ReportProblem, want: boolean): Test {
  const set: IpSet = buildIpSet(entries, lists, (i, message) => report([key, i], message));
  return (input) => set.has(input.clientIp) === want;
}

/**
 * Compiles a condition. Problems go to `report` with paths relative to the condition; the result is
 * only meaningful when none were reported.
 */
export function compileCondition(
  cond: ConditionConfig | undefined,
  lists: Readonly<Record<string, readonly string[]>>,
  report: ReportProblem,
): CompiledCondition {
  if (!cond) return ALWAYS;
  const tests: Test[] = [];
  if (cond.methods) {
    const methods = new Set(cond.methods);
    tests.push((input) => methods.has(input.method));
  }
  if (cond.hosts) {
    const hosts = new HostMatcher(cond.hosts);
    tests.push((input) => hosts.matches(input.host));
  }
  if (cond.path) {
    const t = pathTest(cond.path, report);
    if (t) tests.push(t);
  }
  if (cond.ips) tests.push(ipTest(cond.ips, lists, 'ips', report, true));
  if (cond.notIps) tests.push(ipTest(cond.notIps, lists, 'notIps', report, false));
  cond.headers?.forEach((h, i) => {
    const t = headerTest(h, i, report);
    if (t) tests.push(t);
  });
  if (tests.length === 0) return ALWAYS;
  return {
    matches(input) {
      for (let i = 0; i < tests.length; i++) if (!tests[i]!(input)) return false;
      return true;
    },
  };
}
