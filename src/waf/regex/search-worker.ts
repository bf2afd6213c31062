// The worker side of search-watchdog.ts: waits for a search, runs it with the same PcreMatcher
// the calling thread would use, answers, and waits again. It runs synchronously (Atomics.wait
// and receiveMessageOnPort), so a search it is running can only be stopped by terminating it.
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { PcreMatcher } from './pcre-matcher.js';
import type { SearchJob, SearchReply } from './search-watchdog.js';

const { port, ctrl } = workerData as { port: MessagePort; ctrl: Int32Array };
const matchers = new Map<string, PcreMatcher>();

function run(job: SearchJob): SearchReply {
  try {
    const key = `${job.options.caseless === true ? 'i' : ''}${job.options.global === true ? 'g' : ''}:${job.pattern}`;
    let m = matchers.get(key);
    if (!m) {
      if (matchers.size >= 4096) matchers.clear();
      m = new PcreMatcher(job.pattern, job.options);
      matchers.set(key, m);
    }
    if (job.op === 'test') return { ok: true, test: m.test(job.subject) };
    const r = m.exec(job.subject);
    return { ok: true, match: r === null ? null : { index: r.index, groups: [...r] } };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  for (let msg = receiveMessageOnPort(port); msg !== undefined; msg = receiveMessageOnPort(port)) {
    port.postMessage(run(msg.message as SearchJob));
    Atomics.add(ctrl, 1, 1);
    Atomics.notify(ctrl, 1);
  }
}
