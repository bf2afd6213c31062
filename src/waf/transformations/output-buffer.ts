// One shared scratch buffer for building transformation results. Transformations run
// synchronously and never call each other while holding it, so one buffer serves them all
// without a per-call allocation. It grows to the largest value seen up to RETAINED_LIMIT;
// anything bigger gets a buffer of its own that the garbage collector takes back, so one huge
// body does not pin its size in memory for the life of the process.
import { Buffer, constants } from 'node:buffer';

const INITIAL_SIZE = 16 * 1024;
const RETAINED_LIMIT = 1024 * 1024;

/**
 * The longest byte string a transformation may produce. Results longer than V8's string limit
 * cannot exist, so expanding transformations (hexEncode, urlEncode, utf8toUnicode, ...) cut
 * their input to what fits rather than throw; only values of hundreds of megabytes are affected.
 */
export const MAX_OUTPUT_LENGTH: number = constants.MAX_STRING_LENGTH;

let shared: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);

/** A writable buffer of at least `size` bytes; its content is garbage until written. */
export function outputBuffer(size: number): Buffer {
  if (size <= shared.length) return shared;
  if (size > RETAINED_LIMIT) return Buffer.allocUnsafe(size);
  let next = shared.length * 2;
  while (next < size) next *= 2;
  shared = Buffer.allocUnsafe(Math.min(next, RETAINED_LIMIT));
  return shared;
}

/** A buffer of at least `value.length + 1` bytes holding `value`, followed by a NUL byte. */
export function bufferWith(value: string): Buffer {
  const buf = outputBuffer(value.length + 1);
  buf.write(value, 0, value.length, 'latin1');
  buf[value.length] = 0;
  return buf;
}

/** The first `length` bytes of `buf` as a byte string. */
export function bytesToString(buf: Buffer, length: number): string {
  return length === 0 ? '' : buf.toString('latin1', 0, length);
}

/**
 * `input` itself when `output` has the same bytes, else `output`. Callers compare results with
 * ===, which is instant when both sides are the same string.
 */
export function unlessSame(input: string, output: string): string {
  return output === input ? input : output;
}

/** How much of an `inputLength`-byte value an expansion of up to `factor` bytes per byte may read. */
export function expandableLength(inputLength: number, factor: number): number {
  const limit = Math.floor(MAX_OUTPUT_LENGTH / factor);
  return inputLength <= limit ? inputLength : limit;
}
