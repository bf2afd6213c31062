// V8's own guard against catastrophic backtracking: with these flags, a regex execution that
// backtracks more than a threshold at one start position is abandoned and rerun on V8's linear-
// time engine (same matches and captures). Measured on Node 20: (a|aa)*b on 27 "a"s 189 ms ->
// 0.2 ms; a.*b.*c on 10 KB 42 s -> 40 ms. It only helps patterns the linear engine accepts: no
// lookaround, no back references, no `i` flag, no large counted repeats. pcre.ts never uses
// `i`, and pcre-matcher.ts (the operators' form) writes ^ and $ without lookaround: 296 of the
// 318 CRS @rx patterns qualify there (compilePcre's exact RegExp spells ^ and $ with lookaround,
// so patterns using them do not). It cannot help shapes whose backtracking per start position
// stays under the threshold (quadratic ones: total work up to input length x threshold);
// pcre-anchor.ts removes the common one of those.
//
// The cost: inputs that make a big pattern backtrack past the threshold while harmless are
// matched by the slower linear engine. Measured over all CRS patterns: short values (~70 bytes)
// +20% time at 10000 (none at V8's 50000, x5 at 2000); newline-rich 2 KB texts x6 at 10000.
//
// The threshold is read when V8 compiles a regex, which happens at its first executions, not at
// `new RegExp`: call this before compiling the rule set (regexes already compiled keep the old
// setting until V8 recompiles them).
import v8 from 'node:v8';

/** Backtracks at one start position before V8 switches to its linear engine (V8's default: 50000). */
export const DEFAULT_BACKTRACK_LIMIT = 10000;

let enabledLimit = 0;

export function enableRegexSafetyNet(backtrackLimit = DEFAULT_BACKTRACK_LIMIT): void {
  if (!Number.isInteger(backtrackLimit) || backtrackLimit < 1) {
    throw new Error(`backtrack limit must be a positive integer, got ${backtrackLimit}`);
  }
  if (enabledLimit === backtrackLimit) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  v8.setFlagsFromString(`--regexp-backtracks-before-fallback=${backtrackLimit}`);
  enabledLimit = backtrackLimit;
}

/** The limit set by enableRegexSafetyNet, or 0 when it was not called in this process. */
export function regexSafetyNetLimit(): number {
  return enabledLimit;
}
