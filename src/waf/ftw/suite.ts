// The whole regression suite in this thread: the CRS rule set loaded once with the regression
// setup (DetectionOnly, blocking paranoia 4, the test limits), every stage run against it with a
// fresh transaction, the results summarised. See isolated.ts for the same run in a worker thread
// with a hard time bound per stage.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crsDirectives, crsProblem, REGRESSION_SETUP } from '../crs/setup.js';
import type { RuleSet } from '../engine/ruleset.js';
import { loadRuleSet } from '../seclang/loader.js';
import { loadTests, type LoadedTests } from './load-tests.js';
import { defaultOverridesFile, loadOverrides, NO_OVERRIDES, type Overrides } from './overrides.js';
import { problemResult, StageRunner, type StageRunnerOptions } from './runner.js';
import type { StageRecord, StageResult, SuiteSummary } from './types.js';

/** The repository root (the nearest directory above this module with a package.json). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** Where the CRS is: $PORTCULLIS_CRS_DIR, else ($PORTCULLIS_SHARED or <repo>/../shared)/crs. */
export function defaultCrsDir(): string {
  const env = process.env.PORTCULLIS_CRS_DIR;
  if (env) return path.resolve(env);
  return path.join(process.env.PORTCULLIS_SHARED ?? path.resolve(repoRoot(), '../shared'), 'crs');
}

export const HOW_TO_GET_CRS = 'get the OWASP CRS v4 with `portcullis crs install`, or point PORTCULLIS_CRS_DIR at a CRS checkout (with rules/ and tests/regression/tests/)';

/** Why the suite cannot run from `crsDir` (with `testsDir`), or undefined when it can. */
export function suiteProblem(crsDir: string, testsDir = crsTestsDir(crsDir)): string | undefined {
  const p = crsProblem(crsDir);
  if (p) return `${p}; ${HOW_TO_GET_CRS}`;
  if (!fs.existsSync(testsDir)) return `${testsDir} does not exist; ${HOW_TO_GET_CRS}`;
  return undefined;
}

export function crsTestsDir(crsDir: string): string {
  return path.join(crsDir, 'tests', 'regression', 'tests');
}

/** The CRS with the regression suite's setup; throws SecLangErrors when it does not load. */
export function loadRegressionRuleSet(crsDir: string): RuleSet {
  const text = crsDirectives({ crsDir, mode: 'DetectionOnly', paranoia: 4, responseBodyAccess: true, beforeRules: REGRESSION_SETUP });
  return loadRuleSet([{ text, name: 'crs-regression.conf', baseDir: crsDir }]);
}

export interface SuiteOptions extends Omit<StageRunnerOptions, 'overrides'> {
  readonly crsDir: string;
  readonly testsDir?: string;
  readonly ruleIds?: ReadonlySet<number>;
  /** An overrides file; undefined: ours (src/waf/ftw/overrides.yaml); null: none. */
  readonly overridesFile?: string | null;
  readonly onResult?: (result: StageResult, done: number, total: number) => void;
}

export interface SuiteReport {
  readonly crsDir: string;
  readonly testsDir: string;
  readonly frontEnd: string;
  readonly overridesFile: string | null;
  readonly summary: SuiteSummary;
  readonly results: readonly StageResult[];
}

export function resolveOverrides(file: string | null | undefined): { overrides: Overrides; file: string | null } {
  if (file === null) return { overrides: NO_OVERRIDES, file: null };
  const f = file ?? defaultOverridesFile();
  if (f === undefined) return { overrides: NO_OVERRIDES, file: null };
  return { overrides: loadOverrides(f), file: f };
}

export function loadSuiteTests(options: Pick<SuiteOptions, 'crsDir' | 'testsDir' | 'ruleIds'>): LoadedTests & { testsDir: string } {
  const testsDir = options.testsDir ?? crsTestsDir(options.crsDir);
  return { ...loadTests(testsDir, options.ruleIds ? { ruleIds: options.ruleIds } : {}), testsDir };
}

export function summarize(results: readonly StageResult[], files: number, loadMs: number, runMs: number): SuiteSummary {
  let passed = 0;
  let failed = 0;
  let overridden = 0;
  let passedWithOverride = 0;
  for (const r of results) {
    if (r.verdict === 'passed') {
      passed++;
      if (r.override) passedWithOverride++;
    } else if (r.verdict === 'failed') failed++;
    else overridden++;
  }
  return { passed, failed, overridden, passedWithOverride, total: results.length, files, loadMs: Math.round(loadMs), runMs: Math.round(runMs) };
}

/** The `n` slowest stages. */
export function slowest(results: readonly StageResult[], n = 5): StageResult[] {
  return [...results].sort((a, b) => b.durationMs - a.durationMs).slice(0, n);
}

/** Runs records in order on one runner (shared by the in-thread and the worker runs). */
export function runRecords(runner: StageRunner, records: readonly StageRecord[], onResult?: (r: StageResult, index: number) => void): StageResult[] {
  const out: StageResult[] = [];
  records.forEach((rec, i) => {
    const r = runner.run(rec);
    out.push(r);
    onResult?.(r, i);
  });
  return out;
}

/** The whole suite in this thread. A stage that never returns blocks it: see runSuiteIsolated. */
export function runSuite(options: SuiteOptions): SuiteReport {
  const t0 = performance.now();
  const ruleset = loadRegressionRuleSet(options.crsDir);
  const { overrides, file } = resolveOverrides(options.overridesFile);
  const tests = loadSuiteTests(options);
  const loadMs = performance.now() - t0;
  const runner = new StageRunner(ruleset, { ...options, overrides });
  const results: StageResult[] = tests.problems.map(problemResult);
  const total = tests.records.length + results.length;
  results.forEach((r, i) => options.onResult?.(r, i + 1, total));
  const t1 = performance.now();
  runRecords(runner, tests.records, (r) => {
    results.push(r);
    options.onResult?.(r, results.length, total);
  });
  return suiteReport(options, tests, file, results, loadMs, performance.now() - t1);
}

/** The report of a run, in process or isolated. */
export function suiteReport(
  options: SuiteOptions,
  tests: { readonly testsDir: string; readonly files: number },
  overridesFile: string | null,
  results: readonly StageResult[],
  loadMs: number,
  runMs: number,
): SuiteReport {
  return {
    crsDir: options.crsDir,
    testsDir: tests.testsDir,
    frontEnd: options.frontEnd ?? 'portcullis',
    overridesFile,
    summary: summarize(results, tests.files, loadMs, runMs),
    results,
  };
}
