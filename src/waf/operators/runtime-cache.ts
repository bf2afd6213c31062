// Parameters with macros (%{tx.foo}) are only known per transaction. Operators that compile
// their parameter (regexes, phrase automata, byte tables) keep the last few compilations here,
// so a macro that expands to the same text every time costs one compilation, and one that
// expands to ever-new text (possibly attacker-influenced) cannot grow memory.

/** Default number of expansions remembered per operator. */
export const RUNTIME_CACHE_ENTRIES = 16;
/** Expanded parameters longer than this are not compiled (the operator does not match). */
export const MAX_EXPANDED_PARAM = 16 * 1024;

export class RuntimeCache<T> {
  private readonly entries = new Map<string, T | null>();

  constructor(
    /** Compiles an expanded parameter; throws (any Error) when it is invalid. */
    private readonly compile: (param: string) => T,
    private readonly capacity = RUNTIME_CACHE_ENTRIES,
  ) {}

  /** The compiled form of `param`, or null when it is invalid or too long (cached as well). */
  get(param: string): T | null {
    const hit = this.entries.get(param);
    if (hit !== undefined) return hit;
    let compiled: T | null = null;
    if (param.length <= MAX_EXPANDED_PARAM) {
      try {
        compiled = this.compile(param);
      } catch {
        // An invalid expansion is no match, as in libmodsecurity (it logs and returns false).
        compiled = null;
      }
    }
    // Oldest first out: Map keeps insertion order.
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(param, compiled);
    return compiled;
  }
}
