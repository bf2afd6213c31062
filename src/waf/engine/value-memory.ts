// What the engine has worked out about short values, kept across transactions: a value's
// chain row (its output at each transformation step, the literal mask of each output, and which
// rules' operators did not match it). Everything in a row is a function of the value alone —
// transformations are pure, masks come from the fixed literal automaton, and only operators
// that declare themselves pure (a parameter without macros) are remembered — so a row found
// here gives exactly what working it out again would, and verdicts do not change.
//
// Why: many values recur from request to request (header values such as User-Agent and
// Accept, field names, enumerations, small numbers), and every recurrence otherwise runs the
// same transformations, scans and operators again.
//
// Bounded: only values up to MAX_LENGTH code units are kept (long values rarely recur), in two
// generations of at most `capacity` rows each: once the young one is full it becomes the old
// one and the previous old one is dropped; a value found in the old generation moves back to
// the young one. Memory is therefore at most 2 x capacity rows whatever the traffic, and a flood
// of distinct values only ages the rows out. One per rule set, so one per worker process.
import { newChainRow, type ChainRow } from './transform-chain.js';

/** Longest value kept. */
export const MAX_LENGTH = 256;

export class ValueMemory {
  private young = new Map<string, ChainRow>();
  private old = new Map<string, ChainRow>();

  constructor(
    private readonly nodes: number,
    readonly capacity = 2048,
  ) {}

  /** The row of a value, made on first use; undefined for a value over MAX_LENGTH (not kept). */
  row(value: string): ChainRow | undefined {
    if (value.length > MAX_LENGTH) return undefined;
    let row = this.young.get(value);
    if (row !== undefined) return row;
    row = this.old.get(value);
    if (row === undefined) row = newChainRow(this.nodes);
    else this.old.delete(value);
    if (this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(value, row);
    return row;
  }

  /** Whether a row for `value` is kept. */
  has(value: string): boolean {
    return this.young.has(value) || this.old.has(value);
  }

  /** Rows kept (both generations). */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
