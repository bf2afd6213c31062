// `portcullis waf test-crs`: the OWASP CRS regression suite against our WAF, in-process (what
// go-ftw does against a web server with ModSecurity, without the web server).
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { SecLangErrors } from '../waf/seclang/errors.js';
import { runSuiteIsolated } from '../waf/ftw/isolated.js';
import { formatReport } from '../waf/ftw/report.js';
import { defaultCrsDir, runSuite, suiteProblem, type SuiteReport } from '../waf/ftw/suite.js';
import type { FrontEndName } from '../waf/ftw/front-end.js';

interface TestCrsOptions {
  crs?: string;
  tests?: string;
  rule: number[];
  json?: string;
  verbose?: boolean;
  frontEnd: FrontEndName;
  overrides: string | boolean;
  timeout: number;
  budget: number;
  isolate: boolean;
}

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number`);
    return n;
  };
}

function ruleIds(v: string, previous: number[]): number[] {
  const out = [...previous];
  for (const part of v.split(',')) {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`"${part}" is not a rule id`);
    out.push(n);
  }
  return out;
}

/** Runs the suite as the options say; returns the exit code (0 all passed, 1 failures, 2 cannot run). */
export async function runTestCrs(o: TestCrsOptions, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const crsDir = path.resolve(o.crs ?? defaultCrsDir());
  const testsDir = o.tests !== undefined ? path.resolve(o.tests) : undefined;
  const problem = suiteProblem(crsDir, testsDir);
  if (problem) {
    process.stderr.write(`portcullis waf test-crs: ${problem}\n`);
    return 2;
  }
  const overridesFile = o.overrides === false ? null : typeof o.overrides === 'string' ? path.resolve(o.overrides) : undefined;
  const common = {
    crsDir,
    ...(testsDir !== undefined ? { testsDir } : {}),
    ...(o.rule.length > 0 ? { ruleIds: new Set(o.rule) } : {}),
    overridesFile,
    frontEnd: o.frontEnd,
    slowMs: o.budget,
    budgetMs: o.budget,
    keep: o.json !== undefined || o.verbose ? ('failed' as const) : ('none' as const),
    onResult: process.stderr.isTTY
      ? (_r: unknown, done: number, total: number) => {
          if (done % 100 === 0 || done === total) process.stderr.write(`\r${done}/${total} stages`);
          if (done === total) process.stderr.write('\n');
        }
      : undefined,
  };
  let report: SuiteReport;
  try {
    report = o.isolate ? await runSuiteIsolated({ ...common, timeoutMs: o.timeout }) : runSuite(common);
  } catch (err) {
    if (err instanceof SecLangErrors) {
      process.stderr.write(`portcullis waf test-crs: the CRS does not load:\n${err.message}\n`);
      return 2;
    }
    throw err;
  }
  write(formatReport(report, { verbose: o.verbose === true }));
  if (o.json !== undefined) {
    fs.writeFileSync(o.json, `${JSON.stringify(report, null, 1)}\n`);
  }
  return report.summary.failed > 0 ? 1 : 0;
}

/** Adds `waf test-crs` to the program; `setExit` receives the exit code. */
export function addWafTestCrsCommand(program: Command, setExit: (code: number) => void): void {
  const waf = program.commands.find((c) => c.name() === 'waf') ?? program.command('waf').description('the web application firewall');
  waf
    .command('test-crs')
    .description('run the OWASP CRS regression suite (go-ftw tests) against the WAF, in-process')
    .option('--crs <dir>', 'the CRS directory (default $PORTCULLIS_CRS_DIR, else ../shared/crs)')
    .option('--tests <dir>', 'the test directory (default <crs>/tests/regression/tests)')
    .option('--rule <id>', 'only the tests of this rule (repeatable, or comma-separated)', ruleIds, [])
    .option('--json <file>', 'write the full results as JSON')
    .option('--verbose', 'show descriptions, requests and log lines of failures, and the overridden tests')
    .option('--front-end <name>', 'the server before the WAF: portcullis (our strict parser) or lenient', (v) => {
      if (v !== 'portcullis' && v !== 'lenient') throw new InvalidArgumentError('portcullis or lenient');
      return v;
    }, 'portcullis')
    .option('--overrides <file>', 'a platform overrides file (default src/waf/ftw/overrides.yaml)')
    .option('--no-overrides', 'judge every test as written')
    .option('--timeout <ms>', 'hard bound per stage (the worker is terminated); past it the stage fails and the run goes on', positive('--timeout'), 10_000)
    .option('--budget <ms>', 'a stage still in the WAF after this long is stopped and fails', positive('--budget'), 2000)
    .option('--no-isolate', 'run in this thread (no hard time bound)')
    .action(async (o: TestCrsOptions) => {
      setExit(await runTestCrs(o));
    });
}
