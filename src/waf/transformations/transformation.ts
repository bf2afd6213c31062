// A transformation (`t:name`) turns one value into another before an operator sees it. Values are
// byte strings (see ../README.md). Transformations are pure and deterministic, so the engine can
// cache their results per (value, chain) and share them between rules with the same chain.

export interface Transformation {
  /** The canonical name as SecLang writes it (e.g. "urlDecodeUni"). */
  readonly name: string;
  /**
   * Returns the transformed value. Must return the input string itself (===) when nothing
   * changed, so callers can tell cheaply (ModSecurity's multiMatch only re-tests changed values).
   */
  transform(value: string): string;
  /**
   * Bytes without any of which `transform(value) === value` (a value holding none of them comes
   * out unchanged). Absent: not known, any value may change. The prefilter relies on it to
   * reuse one scan of a value across chains (engine/prefilter/), and a test checks it.
   */
  readonly triggers?: string;
  /**
   * With `triggers`: bytes that can change a value only as its last byte. A value holding none
   * of `triggers` and not ending with one of these comes out unchanged (t:normalizePath: a dot
   * matters only next to a slash, or at the end).
   */
  readonly endTriggers?: string;
  /** The output equals the input up to ASCII case (t:lowercase, t:uppercase). */
  readonly caseOnly?: boolean;
}
