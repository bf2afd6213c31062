// Request ids: unique, short, cheap. A random prefix drawn once per process and a counter: no
// two processes (or restarts) share a prefix in practice, and a counter never repeats. Cheaper
// than a random UUID per request, and just as opaque to clients and upstreams.
import { randomBytes } from 'node:crypto';

const prefix = randomBytes(8).toString('hex');
let counter = 0;

export function nextRequestId(): string {
  counter++;
  return `${prefix}-${counter.toString(36)}`;
}
