// Log lines handed from the event loop to a writer thread through a shared-memory ring, so that
// the request path never waits on a write(2): on this machine kind, writing access-log batches
// from the main thread added about 0.3 ms to the gateway's p99. The event loop only copies the
// line's bytes into the ring; a worker thread takes whole lines out and writes them to the file
// descriptor (at most PIPE_BUF bytes per write on pipes and sockets, so lines from several worker
// processes never interleave). When the ring is full, lines are dropped and counted: memory is
// bounded and the request path never blocks.
import { fstatSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { LineSink } from './line-writer.js';

/** Int32 slots at the start of the shared buffer. */
export const enum Slot {
  /** Bytes ever written (uint32, wraps). */
  Write = 0,
  /** Bytes ever taken out (uint32, wraps). */
  Read = 1,
  /** 1 while the writer thread sleeps waiting for data. */
  Sleeping = 2,
  /** 1 once the producer is closing: drain and exit. */
  Closing = 3,
  /** Largest write the thread may make. */
  MaxChunk = 4,
}
export const HEADER_BYTES = 64;

const PIPE_BUF = 4096;
const FILE_CHUNK = 64 * 1024;

function chunkLimitFor(fd: number): number {
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket() ? PIPE_BUF : FILE_CHUNK;
  } catch {
    return PIPE_BUF;
  }
}

export interface RingWriterOptions {
  /** Ring size in bytes, a power of two (default 4 MiB). */
  readonly capacity?: number;
}

export class RingLineWriter implements LineSink {
  private readonly shared: SharedArrayBuffer;
  private readonly control: Int32Array;
  /** The ring's bytes (after the control slots). */
  private readonly bytes: Buffer;
  private readonly mask: number;
  private readonly capacity: number;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  dropped = 0;

  constructor(fd: number, options: RingWriterOptions = {}) {
    const capacity = options.capacity ?? 4 * 1024 * 1024;
    if ((capacity & (capacity - 1)) !== 0) throw new Error('ring capacity must be a power of two');
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.shared = new SharedArrayBuffer(HEADER_BYTES + capacity);
    this.control = new Int32Array(this.shared, 0, HEADER_BYTES / 4);
    this.bytes = Buffer.from(this.shared, HEADER_BYTES, capacity);
    Atomics.store(this.control, Slot.MaxChunk, chunkLimitFor(fd));
    this.worker = new Worker(new URL('./line-ring-thread.js', import.meta.url), { workerData: { shared: this.shared, fd } });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** `line` must be ASCII and hold no newline; one is added. */
  write(line: string): void {
    const n = line.length + 1;
    const c = this.control;
    const write = Atomics.load(c, Slot.Write) >>> 0;
    const read = Atomics.load(c, Slot.Read) >>> 0;
    if (((write - read) >>> 0) + n > this.capacity) {
      this.dropped++;
      return;
    }
    // Encoded straight into the ring. Lines are ASCII (access-log.ts), one byte per character,
    // so one that runs past the end is split as a string and goes on at the start.
    const at = write & this.mask;
    const room = this.capacity - at;
    if (n <= room) {
      this.bytes.write(line, at, 'latin1');
      this.bytes[at + n - 1] = 10;
    } else {
      this.bytes.write(line.slice(0, room), at, 'latin1');
      this.bytes.write(line.slice(room), 0, 'latin1');
      this.bytes[n - 1 - room] = 10;
    }
    Atomics.store(c, Slot.Write, (write + n) | 0);
    // The thread wakes by itself every few milliseconds; waking it per line would cost a
    // syscall per request. Only a filling ring is worth a wake-up.
    if (((write + n - read) >>> 0) > this.capacity >>> 2 && Atomics.load(c, Slot.Sleeping) === 1) {
      Atomics.notify(c, Slot.Sleeping);
    }
  }

  /** Lets the thread write everything queued, then stops it. */
  async close(): Promise<void> {
    Atomics.store(this.control, Slot.Closing, 1);
    Atomics.notify(this.control, Slot.Sleeping);
    // Keep the process up while the thread writes what is left (it is unref'd otherwise).
    this.worker.ref();
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}
