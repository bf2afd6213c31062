// Batched line output for logs shared by several worker processes on one stdout. Lines are
// gathered and written in chunks of whole lines of at most PIPE_BUF (4096) bytes: on a pipe such a
// write is atomic, so lines from different workers never interleave mid-line. Memory is bounded:
// if the reader stalls, lines beyond the cap are dropped and counted, never queued without end.
import type { Writable } from 'node:stream';

const PIPE_BUF = 4096;

export class LineWriter {
  private queue: string[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private waitingForDrain = false;
  dropped = 0;

  constructor(
    private readonly out: Writable,
    private readonly maxQueuedBytes = 8 * 1024 * 1024,
  ) {}

  /** `line` must not contain a newline; one is added. */
  write(line: string): void {
    if (this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.dropped++;
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length + 1;
    if (!this.scheduled && !this.waitingForDrain) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const q = this.queue;
    let i = 0;
    while (i < q.length) {
      // Whole lines up to PIPE_BUF per write (a longer single line goes alone).
      let chunk = q[i]! + '\n';
      i++;
      while (i < q.length && chunk.length + q[i]!.length + 1 <= PIPE_BUF) {
        chunk += q[i]! + '\n';
        i++;
      }
      this.queuedBytes -= chunk.length;
      if (!this.out.write(chunk)) {
        this.queue = q.slice(i);
        this.waitingForDrain = true;
        this.out.once('drain', () => {
          this.waitingForDrain = false;
          this.flush();
        });
        return;
      }
    }
    this.queue = [];
    this.queuedBytes = 0;
  };

  /** Writes what is queued now (used before exit). */
  flushNow(): Promise<void> {
    this.flush();
    return new Promise((resolve) => {
      if (this.queue.length === 0 && !this.waitingForDrain) this.out.write('', () => resolve());
      else this.out.once('drain', () => resolve());
    });
  }
}
