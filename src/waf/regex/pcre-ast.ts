// The parsed form of a PCRE pattern: what pcre-parser.ts builds and pcre-emit.ts turns into V8
// syntax. Case-insensitivity is already resolved here (letters became two-member sets), so the
// emitted RegExp never needs V8's `i` flag.
import type { ByteSet } from './byte-set.js';

/** Zero-width assertions, named by their PCRE meaning (PCRE's multiline differs from V8's). */
export type AssertKind =
  | 'start' //            \A, or ^ outside multiline mode
  | 'end' //              \z
  | 'endOrFinalNewline' // \Z, or $ outside multiline mode
  | 'lineStart' //        ^ in multiline mode: start, or after a \n that does not end the subject
  | 'lineEnd' //          $ in multiline mode: end, or before any \n
  | 'wordBoundary' //     \b
  | 'notWordBoundary'; // \B

export type PcreNode =
  | { readonly kind: 'set'; readonly set: ByteSet }
  | { readonly kind: 'assert'; readonly what: AssertKind }
  | { readonly kind: 'group'; readonly capture: number; readonly atomic: boolean; readonly body: PcreNode }
  | { readonly kind: 'look'; readonly behind: boolean; readonly negate: boolean; readonly body: PcreNode }
  | {
      readonly kind: 'repeat';
      readonly body: PcreNode;
      readonly min: number;
      readonly max: number; // Infinity when unbounded
      readonly greedy: boolean;
      readonly possessive: boolean;
    }
  | { readonly kind: 'backref'; group: number; readonly name?: string; readonly caseless: boolean; readonly at: number }
  | { readonly kind: 'seq'; readonly items: PcreNode[] }
  | { readonly kind: 'alt'; readonly branches: PcreNode[] };

export interface ParsedPcre {
  readonly root: PcreNode;
  readonly groupCount: number;
  readonly hasBackrefs: boolean;
}
