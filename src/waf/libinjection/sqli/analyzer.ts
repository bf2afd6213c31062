// One fingerprinting pass at a time, and the order of passes per quote context. Shared by the
// detector and the table generator so that both read inputs the same way.

import { confirm } from './confirm.js';
import { Folder } from './fold.js';
import {
  QUOTE_DOUBLE, QUOTE_NONE, QUOTE_SINGLE, SQL_ANSI, SQL_MYSQL, T_EVIL, TYPE_LETTERS,
} from './types.js';

/** Type char code → 1..27 (0: not a type), so a fingerprint packs into 5 bits per token. */
const TYPE_INDEX = new Uint8Array(128);
for (let i = 0; i < TYPE_LETTERS.length; i++) TYPE_INDEX[TYPE_LETTERS.charCodeAt(i)] = i + 1;

/** The packed key of a fingerprint string (0 for "" or a string with a non-type letter). */
export function fingerprintKey(fp: string): number {
  let key = 0;
  for (let i = 0; i < fp.length && i < 6; i++) {
    const index = TYPE_INDEX[fp.charCodeAt(i)] ?? 0;
    if (index === 0) return 0;
    key |= index << (5 * i);
  }
  return key;
}

export class Analyzer {
  readonly folder = new Folder();
  private input = '';

  /** Runs one pass; returns the packed fingerprint key (0: no tokens). */
  run(input: string, flags: number): number {
    this.input = input;
    const f = this.folder;
    const n = f.fold(input, flags);
    let key = 0;
    for (let i = 0; i < n; i++) {
      const type = f.tok(i).type;
      // Anything that could not be tokenized reliably makes the whole fingerprint "X".
      if (type === T_EVIL) return TYPE_INDEX[T_EVIL] ?? 0;
      key |= (TYPE_INDEX[type] ?? 0) << (5 * i);
    }
    return key;
  }

  /** The heuristics' verdict on the last pass (see confirm.ts). */
  confirms(): boolean {
    return confirm(this.folder, this.input);
  }

  /** The last pass saw comment syntax that MySQL reads differently ("--x", "#"). */
  wantsMysqlPass(): boolean {
    const lex = this.folder.lex;
    return lex.dashComments > 0 || lex.hashComments > 0;
  }

  /** The last pass's fingerprint as letters (allocates; for results and tools). */
  fingerprint(): string {
    const f = this.folder;
    let out = '';
    for (let i = 0; i < f.count; i++) {
      const type = f.tok(i).type;
      if (type === T_EVIL) return 'X';
      out += String.fromCharCode(type);
    }
    return out;
  }
}

/**
 * The contexts, in the order the detector tries them: the input as-is, as the tail of a
 * single-quoted string, as the tail of a double-quoted string. A quoted context is tried only
 * when the input holds that quote (without one the input cannot leave the string).
 */
export const CONTEXTS: readonly number[] = [QUOTE_NONE, QUOTE_SINGLE, QUOTE_DOUBLE];

/** Flags of the first pass of a context. Double quotes are MySQL's (ANSI quotes names). */
export function firstPassFlags(context: number): number {
  return context === QUOTE_DOUBLE ? QUOTE_DOUBLE | SQL_MYSQL : context | SQL_ANSI;
}

/** Flags of the MySQL retry of a context (0: none), run when the first pass wants it. */
export function retryPassFlags(context: number): number {
  return context === QUOTE_DOUBLE ? 0 : context | SQL_MYSQL;
}

/** True when the context applies to the input at all. */
export function contextApplies(input: string, context: number): boolean {
  if (context === QUOTE_SINGLE) return input.indexOf('\'') >= 0;
  if (context === QUOTE_DOUBLE) return input.indexOf('"') >= 0;
  return true;
}
