// The writer thread behind RingLineWriter (line-ring.ts): sleeps until lines arrive, then writes
// whole lines to the file descriptor, each write at most the chunk limit, and moves the read
// position on. It exits once the producer is closing and everything has been written.
import { writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { HEADER_BYTES, Slot } from './line-ring.js';

const { shared, fd } = workerData as { shared: SharedArrayBuffer; fd: number };
const control = new Int32Array(shared, 0, HEADER_BYTES / 4);
const capacity = shared.byteLength - HEADER_BYTES;
const bytes = new Uint8Array(shared, HEADER_BYTES, capacity);
const mask = capacity - 1;
const maxChunk = Atomics.load(control, Slot.MaxChunk);
const out = new Uint8Array(maxChunk);

/** Writes all of `data`, waiting out a full non-blocking pipe instead of losing lines. */
function writeAll(data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN') return; // the reader is gone (EPIPE, EBADF): nothing to do but drop
      Atomics.wait(control, Slot.Closing, 0, 5);
    }
  }
}

for (;;) {
  const read = Atomics.load(control, Slot.Read) >>> 0;
  const write = Atomics.load(control, Slot.Write) >>> 0;
  let available = (write - read) >>> 0;
  if (available === 0) {
    if (Atomics.load(control, Slot.Closing) === 1) break;
    Atomics.store(control, Slot.Sleeping, 1);
    // Re-check after announcing sleep, so a line written in between is not missed.
    if (((Atomics.load(control, Slot.Write) >>> 0) - read) >>> 0 === 0 && Atomics.load(control, Slot.Closing) === 0) {
      // Lines wait at most this long; the producer wakes us early only when the ring fills up.
      Atomics.wait(control, Slot.Sleeping, 1, 20);
    }
    Atomics.store(control, Slot.Sleeping, 0);
    continue;
  }
  // Copy out up to maxChunk bytes, then cut at the last whole line.
  if (available > maxChunk) available = maxChunk;
  const at = read & mask;
  const first = Math.min(available, capacity - at);
  out.set(bytes.subarray(at, at + first), 0);
  if (first < available) out.set(bytes.subarray(0, available - first), first);
  let end = available;
  while (end > 0 && out[end - 1] !== 10) end--;
  if (end === 0) end = available; // a single line longer than a chunk goes in pieces
  writeAll(out.subarray(0, end));
  Atomics.store(control, Slot.Read, (read + end) | 0);
}
