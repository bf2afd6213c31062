// The suite in a worker thread, with a hard bound on each stage: the worker announces every stage
// before it runs it; a stage that has not returned within `timeoutMs` (a regex that backtracks
// for ever, a loop in the engine) gets the worker terminated, is reported as failed ("timeout"),
// and a new worker carries on from the next stage. A worker that dies in a stage is handled the
// same way ("engine-crash"). This thread only waits, so its timers fire on time.
import { Worker } from 'node:worker_threads';
import type { TestOverride } from './overrides.js';
import { problemResult, type StageRunnerOptions } from './runner.js';
import { loadSuiteTests, resolveOverrides, suiteReport, type SuiteOptions, type SuiteReport } from './suite.js';
import type { StageRecord, StageResult } from './types.js';

export interface WorkerInput {
  readonly crsDir: string;
  readonly records: readonly StageRecord[];
  readonly start: number;
  readonly runner: Omit<StageRunnerOptions, 'overrides' | 'backend'>;
  readonly overrides: { readonly engine: string; readonly platform: string; readonly entries: readonly TestOverride[] };
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'start'; readonly index: number }
  | { readonly type: 'result'; readonly index: number; readonly result: StageResult }
  | { readonly type: 'done' };

export interface IsolatedSuiteOptions extends Omit<SuiteOptions, 'backend'> {
  /** Hard bound per stage (default 10 s): past it the worker is terminated. */
  readonly timeoutMs?: number;
  /** The worker's old-generation heap limit (default 1536 MB). */
  readonly workerHeapMb?: number;
}

function lostStage(record: StageRecord, cls: 'timeout' | 'engine-crash', reason: string, ms: number): StageResult {
  return {
    file: record.file,
    ruleId: record.ruleId,
    testId: record.testId,
    stageIndex: record.stageIndex,
    ...(record.description !== undefined ? { description: record.description } : {}),
    verdict: 'failed',
    reasons: [reason],
    classes: [cls],
    expected: record.output,
    got: { ids: [] },
    missingIds: [],
    unexpectedIds: [],
    durationMs: Math.round(ms),
  };
}

export async function runSuiteIsolated(options: IsolatedSuiteOptions): Promise<SuiteReport> {
  const t0 = performance.now();
  const { overrides, file } = resolveOverrides(options.overridesFile);
  const tests = loadSuiteTests(options);
  const records = tests.records;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const results: StageResult[] = tests.problems.map(problemResult);
  const total = records.length + results.length;
  results.forEach((r, i) => options.onResult?.(r, i + 1, total));
  const byIndex: Array<StageResult | undefined> = new Array<StageResult | undefined>(records.length);
  let loadMs = 0;
  let firstReady = true;
  const t1 = performance.now();

  const runFrom = (start: number): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const input: WorkerInput = {
        crsDir: options.crsDir,
        records,
        start,
        runner: {
          ...(options.frontEnd !== undefined ? { frontEnd: options.frontEnd } : {}),
          ...(options.slowMs !== undefined ? { slowMs: options.slowMs } : {}),
          ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}),
          ...(options.maxOperatorCalls !== undefined ? { maxOperatorCalls: options.maxOperatorCalls } : {}),
          ...(options.keep !== undefined ? { keep: options.keep } : {}),
        },
        overrides: { engine: overrides.engine, platform: overrides.platform, entries: overrides.entries },
      };
      // A heap limit of its own, so that a stage that eats memory kills the worker, not us.
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: input, resourceLimits: { maxOldGenerationSizeMb: options.workerHeapMb ?? 1536 } });
      let current = -1;
      let startedAt = 0;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      let terminating = false;
      const finish = (next: number | Error) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (next instanceof Error) reject(next);
        else resolve(next);
      };
      const record = (i: number, r: StageResult) => {
        byIndex[i] = r;
        results.push(r);
        options.onResult?.(r, results.length, total);
      };
      worker.on('message', (m: WorkerMessage) => {
        if (settled || terminating) return;
        switch (m.type) {
          case 'ready':
            if (firstReady) {
              loadMs = performance.now() - t0;
              firstReady = false;
            }
            break;
          case 'start':
            current = m.index;
            startedAt = performance.now();
            if (timer) clearTimeout(timer);
            timer = setTimeout(() => {
              const rec = records[current]!;
              record(current, lostStage(rec, 'timeout', `no result after ${timeoutMs} ms: the worker was terminated`, performance.now() - startedAt));
              const next = current + 1;
              terminating = true;
              void worker.terminate().then(() => finish(next));
            }, timeoutMs);
            break;
          case 'result':
            if (timer) clearTimeout(timer);
            timer = undefined;
            record(m.index, m.result);
            current = -1;
            break;
          case 'done':
            finish(records.length);
            break;
        }
      });
      worker.on('error', (err) => {
        if (settled || terminating) return;
        if (current === -1) return finish(err);
        const rec = records[current]!;
        record(current, lostStage(rec, 'engine-crash', `the worker died: ${err.stack ?? err.message}`, performance.now() - startedAt));
        finish(current + 1);
      });
      worker.on('exit', (code) => {
        if (!settled && !terminating) finish(current === -1 && code === 0 ? records.length : new Error(`the worker exited with code ${code}`));
      });
    });

  let next = 0;
  while (next < records.length) next = await runFrom(next);
  if (records.length === 0) loadMs = performance.now() - t0;
  // Results in suite order (problems first), whatever the order they arrived in.
  const ordered = [...results.slice(0, tests.problems.length), ...byIndex.filter((r): r is StageResult => r !== undefined)];
  return suiteReport(options, tests, file, ordered, loadMs, performance.now() - t1);
}
