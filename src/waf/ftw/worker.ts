// The worker side of runSuiteIsolated (isolated.ts): loads the rule set, then runs the records it
// was given from `start`, announcing each stage before running it, so that the parent can bound
// each stage's time and, if one never returns, terminate this thread and carry on without it.
import { parentPort, workerData } from 'node:worker_threads';
import { makeOverrides } from './overrides.js';
import { StageRunner } from './runner.js';
import { loadRegressionRuleSet } from './suite.js';
import type { WorkerInput, WorkerMessage } from './isolated.js';

const input = workerData as WorkerInput;
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);

const ruleset = loadRegressionRuleSet(input.crsDir);
const runner = new StageRunner(ruleset, {
  ...input.runner,
  overrides: makeOverrides(input.overrides.engine, input.overrides.platform, input.overrides.entries),
});
send({ type: 'ready' });
for (let i = input.start; i < input.records.length; i++) {
  send({ type: 'start', index: i });
  send({ type: 'result', index: i, result: runner.run(input.records[i]!) });
}
send({ type: 'done' });
