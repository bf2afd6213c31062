// Batched line output for logs that several worker processes share (stdout). Lines are gathered
// for a few milliseconds and written in chunks of whole lines: a write per request cost the
// gateway a tenth of its throughput. On a pipe or socket, each chunk is at most PIPE_BUF (4096)
// bytes, so that writes from different workers never interleave mid-line; a regular file takes
// larger chunks (appends to one open file are atomic per write). Memory is bounded: if the
// reader stalls, lines beyond the cap are dropped and counted, never queued without end.
import { fstatSync } from 'node:fs';
import type { Writable } from 'node:stream';

const PIPE_BUF = 4096;
const FILE_CHUNK = 64 * 1024;

/** Where log lines go: written now or soon, in order, never blocking the caller. */
export interface LineSink {
  /** `line` holds no newline; one is added. */
  write(line: string): void;
  /** Lines dropped because the output could not keep up. */
  readonly dropped: number;
  /** Writes what is queued and stops. */
  close(): Promise<void>;
}

export interface LineWriterOptions {
  /** Largest write; default by what `fd` is (4096 for pipes and sockets, 64 KB otherwise). */
  readonly maxChunk?: number;
  /** The file descriptor behind `out`, to choose maxChunk. */
  readonly fd?: number;
  /** How long lines may wait to be batched (ms). */
  readonly flushMs?: number;
  readonly maxQueuedBytes?: number;
}

function chunkLimitFor(fd: number | undefined): number {
  if (fd === undefined) return PIPE_BUF;
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket() ? PIPE_BUF : FILE_CHUNK;
  } catch {
    return PIPE_BUF;
  }
}

export class LineWriter implements LineSink {
  private queue: string[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;
  private readonly maxChunk: number;
  private readonly flushMs: number;
  private readonly maxQueuedBytes: number;
  dropped = 0;

  constructor(
    private readonly out: Writable,
    options: LineWriterOptions = {},
  ) {
    this.maxChunk = options.maxChunk ?? chunkLimitFor(options.fd);
    this.flushMs = options.flushMs ?? 20;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 8 * 1024 * 1024;
  }

  /** `line` must not contain a newline; one is added. */
  write(line: string): void {
    if (this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.dropped++;
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length + 1;
    if (this.waitingForDrain) return;
    if (this.queuedBytes >= this.maxChunk * 8) {
      this.flush();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.flush, this.flushMs);
      this.timer.unref();
    }
  }

  private readonly flush = (): void => {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const q = this.queue;
    const max = this.maxChunk;
    let i = 0;
    while (i < q.length) {
      // Whole lines up to maxChunk per write (a longer single line goes alone).
      let chunk = q[i]! + '\n';
      i++;
      while (i < q.length && chunk.length + q[i]!.length + 1 <= max) {
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

  close(): Promise<void> {
    return this.flushNow();
  }

  /** Writes what is queued now (used before exit). */
  flushNow(): Promise<void> {
    this.flush();
    return new Promise((resolve) => {
      if (this.queue.length === 0 && !this.waitingForDrain) this.out.write('', () => resolve());
      else this.out.once('drain', () => resolve());
    });
  }
}
