// PCRE patterns, as the CRS and ModSecurity users write them, compiled for V8 with the meaning
// libmodsecurity v3 gives them: PCRE2 in 8-bit non-UTF mode with DOTALL | MULTILINE (see
// src/utils/regex.cc there), matched against byte strings (../README.md). The translation:
//
// - Parsed by pcre-parser.ts; anything V8 cannot express with the same meaning is a PcreError.
// - Case-insensitivity ((?i), (?i:...), mid-pattern (?i), the caseless option) becomes explicit
//   sets such as [Aa], folding ASCII letters only as PCRE's C-locale tables do; V8's `i` flag is
//   never used (without `u` it also folds 0xE9 with 0xC9, and its linear engine refuses it).
// - \s is [\t\n\v\f\r ] (V8's \s also takes 0xA0, a UTF-8 continuation byte); POSIX classes,
//   \h \v \R \N, \x{HH}, \o{}, octal, \cX, \Q...\E, (?P<name>) and friends are translated.
// - Multiline ^ and $ break at \n only (V8's m flag also breaks at \r): spelled out with
//   lookaround; \A \z \Z as in PCRE.
// - Patterns that start with .* in every branch are anchored at the start (pcre-anchor.ts).
// - An empty pattern means ".*", as in libmodsecurity's Regex constructor.
import type { ParsedPcre } from './pcre-ast.js';
import { hasFinalNewlineQuirk } from './line-start-quirk.js';
import { anchorRunStarts, isDotStarAnchored } from './pcre-anchor.js';
import { requiredBytes } from './pcre-required.js';
import { emitPattern, type LineAnchorMode } from './pcre-emit.js';
import { PcreError } from './pcre-error.js';
import { parsePcre } from './pcre-parser.js';

export { PcreError } from './pcre-error.js';
export { enableRegexSafetyNet } from './safety-net.js';

export interface PcreOptions {
  /** Case-insensitive (as if the pattern started with (?i)). */
  readonly caseless?: boolean;
  /**
   * Global flag for repeated matching (lastIndex semantics). A dot-star-anchored pattern also
   * gets the sticky flag: each search then starts exactly at lastIndex, which is where PCRE's
   * anchored search would find its match too.
   */
  readonly global?: boolean;
}

export interface TranslateOptions extends PcreOptions {
  /** How PCRE's multiline ^ and $ are written (pcre-emit.ts); "lookaround" by default. */
  readonly lineAnchors?: LineAnchorMode;
}

export interface PcreTranslation {
  readonly source: string;
  readonly flags: string;
  /** Anchored at the search start by the dot-star rule. */
  readonly anchored: boolean;
  /** Capturing groups, numbered as in PCRE. */
  readonly groupCount: number;
  /** Subjects holding \r must have it replaced by U+0100 first (crMapped with the m flag). */
  readonly mapsCr: boolean;
  /**
   * With the m flag: a ^ could complete a match at the very end, where V8 (not PCRE) lets ^
   * match after a final \n (line-start-quirk.ts).
   */
  readonly finalNewlineQuirk: boolean;
  /** Byte sets of which every match holds at least one byte each (pcre-required.ts). */
  readonly required: number[][];
}

/** The V8 source and flags for a PCRE pattern; throws PcreError when it cannot be translated. */
export function translatePcre(pattern: string, options: TranslateOptions = {}): PcreTranslation {
  let parsed: ParsedPcre = parsePcre(pattern === '' ? '.*' : pattern, { caseless: options.caseless === true });
  const anchored = isDotStarAnchored(parsed);
  const required = requiredBytes(parsed);
  if (!anchored && !options.global) parsed = anchorRunStarts(parsed) ?? parsed;
  const { source: body, multiline } = emitPattern(parsed.root, options.lineAnchors ?? 'lookaround');
  let source = body;
  let flags = multiline ? 'sm' : 's';
  if (options.global) flags += 'g';
  // With the m flag "^" is a line start, so the search start can only be pinned by "y".
  if (anchored && (options.global || multiline)) flags += 'y';
  else if (anchored) source = parsed.root.kind === 'alt' ? `^(?:${body})` : `^${body}`;
  const finalNewlineQuirk = multiline && hasFinalNewlineQuirk(parsed.root);
  return { source, flags, anchored, groupCount: parsed.groupCount, mapsCr: multiline, finalNewlineQuirk, required };
}

/**
 * Compiles a PCRE pattern with ModSecurity v3's options (DOTALL | MULTILINE), against byte
 * strings. Throws PcreError with a readable message when the pattern is invalid or unsupported.
 * The RegExp is exact on any byte string; pcre-matcher.ts has the form V8's safety net can
 * take over (for patterns with ^ or $), which the operators use.
 */
export function compilePcre(pattern: string, options: PcreOptions = {}): RegExp {
  const { source, flags } = translatePcre(pattern, options);
  return newRegExp(pattern, source, flags);
}

export function newRegExp(pattern: string, source: string, flags: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new PcreError(`V8 refused the translation of "${pattern.slice(0, 120)}": ${(err as Error).message}`, { cause: err });
  }
}
