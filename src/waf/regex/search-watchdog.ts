// A search over a long subject can be superlinear in V8 (the CRS has lazy scans such as
// 942480's `select\b.{1,100}?\b(?:.*?\bdump\b.*|...)`: 64 KB of "select " take seconds), and a
// search cannot be interrupted on the thread that runs it. So when the transaction has a
// deadline, subjects of WATCHED_FROM bytes or more are searched on a worker thread
// (search-worker.ts) while this thread waits for the answer until the deadline; past it the
// worker is terminated (V8 stops a running search for that) and SearchTimeout is thrown, which
// the transaction turns into "inspection time budget exceeded". The worker compiles the same
// PcreMatcher from the same pattern, so its answers are the ones this thread would give.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { PcreOptions } from './pcre.js';

/** Subjects at least this long are searched under the deadline. */
export const WATCHED_FROM = 32 * 1024;
/** A new worker's start-up (loading the regex modules) is not charged to the search. */
const START_GRACE_MS = 5000;

export class SearchTimeout extends Error {
  constructor() {
    super('regex search stopped at the inspection deadline');
    this.name = 'SearchTimeout';
  }
}

export type SearchOp = 'test' | 'exec';

/** A message to the worker: one search. */
export interface SearchJob {
  readonly pattern: string;
  readonly options: PcreOptions;
  readonly op: SearchOp;
  readonly subject: string;
}

/** The worker's answer: test's boolean, exec's match (index and groups) or null, or an error. */
export type SearchReply =
  | { readonly ok: true; readonly test?: boolean; readonly match?: { readonly index: number; readonly groups: Array<string | undefined> } | null }
  | { readonly ok: false; readonly error: string };

class Watchdog {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  /** [0]: jobs posted, [1]: jobs answered; the worker waits on [0], this thread on [1]. */
  private ctrl = new Int32Array(new SharedArrayBuffer(8));
  private fresh = false;

  private start(): void {
    const { port1, port2 } = new MessageChannel();
    this.ctrl = new Int32Array(new SharedArrayBuffer(8));
    this.worker = new Worker(new URL('./search-worker.js', import.meta.url), {
      workerData: { port: port2, ctrl: this.ctrl },
      transferList: [port2],
    });
    // A background helper: it never keeps the process alive, and a failure only costs a restart.
    this.worker.unref();
    this.worker.on('error', () => this.stop());
    this.port = port1;
    this.fresh = true;
  }

  private stop(): void {
    const w = this.worker;
    this.worker = undefined;
    this.port?.close();
    this.port = undefined;
    if (w) void w.terminate();
  }

  search(job: SearchJob, deadline: number): SearchReply {
    if (!this.worker) this.start();
    const answered = Atomics.load(this.ctrl, 1);
    this.port!.postMessage(job);
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    const grace = this.fresh ? START_GRACE_MS : 0;
    this.fresh = false;
    for (;;) {
      const left = deadline - performance.now() + grace;
      if (left <= 0 || Atomics.wait(this.ctrl, 1, answered, left) === 'timed-out') {
        if (Atomics.load(this.ctrl, 1) !== answered) break;
        this.stop();
        throw new SearchTimeout();
      }
      if (Atomics.load(this.ctrl, 1) !== answered) break;
    }
    const reply = receiveMessageOnPort(this.port!)?.message as SearchReply | undefined;
    if (!reply) {
      this.stop();
      return { ok: false, error: 'the search worker gave no answer' };
    }
    return reply;
  }
}

let watchdog: Watchdog | undefined;

/** Runs one search on the worker thread; throws SearchTimeout past `deadline` (performance.now()). */
export function watchedSearch(job: SearchJob, deadline: number): SearchReply {
  watchdog ??= new Watchdog();
  return watchdog.search(job, deadline);
}
