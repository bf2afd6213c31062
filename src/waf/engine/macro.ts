// Macro expansion: %{TX.anomaly_score}, %{MATCHED_VAR}, %{request_headers.host}, %{RULE.id}.
// Texts are compiled once into literal and reference parts; expanding walks the parts. A
// reference to something absent expands to "" (as in ModSecurity).

/** Resolves the first value of a variable (and member) for a macro. */
export interface MacroScope {
  resolveFirst(variable: string, key: string | undefined): string | undefined;
}

type Part = string | { readonly variable: string; readonly key: string | undefined };

export class Macro {
  private constructor(
    readonly text: string,
    private readonly parts: readonly Part[],
    /** When the text has no reference at all, expansion is the text itself. */
    readonly constant: boolean,
  ) {}

  static compile(text: string): Macro {
    const parts: Part[] = [];
    let i = 0;
    let literal = '';
    while (i < text.length) {
      const at = text.indexOf('%{', i);
      if (at === -1) {
        literal += text.slice(i);
        break;
      }
      const end = text.indexOf('}', at + 2);
      if (end === -1) {
        literal += text.slice(i);
        break;
      }
      literal += text.slice(i, at);
      const ref = text.slice(at + 2, end).trim();
      if (/^[A-Za-z_][A-Za-z0-9_]*(?:[.:].+)?$/.test(ref)) {
        if (literal) parts.push(literal);
        literal = '';
        const sep = ref.search(/[.:]/);
        parts.push(sep === -1 ? { variable: ref.toUpperCase(), key: undefined } : { variable: ref.slice(0, sep).toUpperCase(), key: ref.slice(sep + 1) });
      } else {
        literal += text.slice(at, end + 1);
      }
      i = end + 1;
    }
    if (literal) parts.push(literal);
    const constant = parts.every((p) => typeof p === 'string');
    return new Macro(text, parts, constant);
  }

  /** The variables (and members) the text refers to, upper-cased names, keys as written. */
  references(): Array<{ readonly variable: string; readonly key: string | undefined }> {
    const out: Array<{ readonly variable: string; readonly key: string | undefined }> = [];
    for (const p of this.parts) if (typeof p !== 'string') out.push(p);
    return out;
  }

  expand(scope: MacroScope): string {
    if (this.constant) return this.text;
    let out = '';
    for (const p of this.parts) {
      out += typeof p === 'string' ? p : (scope.resolveFirst(p.variable, p.key) ?? '');
    }
    return out;
  }
}

/** A small cache of compiled macros for texts that arrive at run time (operator parameters). */
export class MacroCache {
  private readonly map = new Map<string, Macro>();
  constructor(private readonly max = 512) {}

  get(text: string): Macro {
    let m = this.map.get(text);
    if (!m) {
      if (this.map.size >= this.max) this.map.clear();
      m = Macro.compile(text);
      this.map.set(text, m);
    }
    return m;
  }
}
