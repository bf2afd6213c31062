// One token: its type, where its value lies in the input, and for strings how they were quoted.
// Tokens are reused from pass to pass (a fixed vector per analyzer), so they are plain mutable
// records and nothing is allocated per token.

import { T_NONE } from './types.js';

export class Token {
  type = T_NONE;
  /** Start of the value in the input (for strings: after the opening quote). */
  pos = 0;
  /** Length of the value. */
  len = 0;
  /**
   * The value when it is not a slice of the input: the canonical (upper-case) phrase of merged
   * words such as "UNION ALL". null means input[pos, pos + len).
   */
  text: string | null = null;
  /** Opening quote char code of a string, 0 when the string began at a simulated quote. */
  open = 0;
  /** Closing quote char code, 0 when the string ran to the end of the input. */
  close = 0;
  /** W_* flags from the keyword table. */
  flags = 0;

  set(type: number, pos: number, len: number): void {
    this.type = type;
    this.pos = pos;
    this.len = len;
    this.text = null;
    this.open = 0;
    this.close = 0;
    this.flags = 0;
  }

  copyFrom(o: Token): void {
    this.type = o.type;
    this.pos = o.pos;
    this.len = o.len;
    this.text = o.text;
    this.open = o.open;
    this.close = o.close;
    this.flags = o.flags;
  }

  /** Char code at index i of the value (i < len). */
  charAt(input: string, i: number): number {
    return this.text !== null ? this.text.charCodeAt(i) : input.charCodeAt(this.pos + i);
  }

  /** The value as a string (allocates: for tests and diagnostics, not the hot path). */
  value(input: string): string {
    return this.text ?? input.slice(this.pos, this.pos + this.len);
  }
}
