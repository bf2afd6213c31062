// An operator (`@name param`) tests one (transformed) value. Operators are compiled once when the
// rule set loads (regexes, pattern automata, IP sets, data files) and then run many times.
// Values are byte strings (see ../README.md).

/** What an operator may ask of the rule set while it is being compiled. */
export interface OperatorCompileContext {
  /** Directory of the file the rule came from (data files are relative to it). */
  readonly baseDir: string;
  /** Reads a data file by absolute path as a byte string; throws an Error with a clear message. */
  readFile(absolutePath: string): string;
}

/** What an operator may ask of the transaction while it runs. */
export interface OperatorRunContext {
  /** Expands %{collection.key} macros (for parameters that contain them). */
  expand(text: string): string;
  /**
   * True when the rule has the `capture` action: an operator that captures writes the whole
   * match to captures[0] and groups to captures[1..9] (the engine copies them into TX:0..9).
   */
  readonly capturing: boolean;
  /** Filled by capturing operators; the engine empties it (length = 0) before each call. */
  readonly captures: string[];
  /**
   * When inspection has a time budget, the moment (performance.now()) it runs out: a regex
   * search over a long value must not run past it (regex/search-watchdog.ts).
   */
  readonly searchDeadline?: number;
}

export interface Operator {
  /** True when `value` matches (negation with `!` is applied by the engine, not here). */
  evaluate(ctx: OperatorRunContext, value: string): boolean;
  /**
   * ASCII case-folded strings of which every value this operator matches contains at least one
   * (none known: undefined). The engine's prefilter (engine/prefilter/) skips the operator, or
   * the whole rule, when none occurs; so the list must be necessary for a match, never guessed.
   */
  readonly literals?: readonly string[];
  /**
   * True when the result depends on the value alone: no macro in the parameter, nothing read
   * from the transaction but `capturing` (which changes what is captured, not the result).
   * The engine then remembers values an operator did not match (engine/value-memory.ts).
   */
  readonly pure?: boolean;
}

export interface OperatorFactory {
  /** The name without "@", as SecLang writes it (e.g. "pmFromFile"). */
  readonly name: string;
  /** Other names accepted for it (e.g. "pmf" for "pmFromFile"). */
  readonly aliases?: readonly string[];
  /**
   * Compiles the parameter (as written, macros unexpanded). Throws an Error whose message says
   * what is wrong with the parameter; the loader adds the file and line.
   */
  create(param: string, ctx: OperatorCompileContext): Operator;
}

/** True when a parameter contains a %{...} macro that must be expanded at run time. */
export function hasMacro(text: string): boolean {
  return /%\{[^}]+\}/.test(text);
}
