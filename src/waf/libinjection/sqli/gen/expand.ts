// A tiny template grammar: "{name}" in a template stands for each alternative of slot `name`
// in turn (alternatives may hold slots themselves), and a template expands to the cartesian
// product of its slots, in order. Deterministic: same grammar, same list.

export type Grammar = Readonly<Record<string, readonly string[]>>;

const SLOT = /\{([a-z_0-9]+)\}/g;

export class Expander {
  private readonly memo = new Map<string, readonly string[]>();
  private readonly active = new Set<string>();

  constructor(private readonly grammar: Grammar, private readonly limit = 500_000) {}

  /** All expansions of a template. Throws on an unknown slot, a cycle, or too many results. */
  expand(template: string): string[] {
    const parts = template.split(SLOT); // literal, slot, literal, slot, ...
    let out: string[] = [parts[0] ?? ''];
    for (let i = 1; i < parts.length; i += 2) {
      const alternatives = this.slot(parts[i] ?? '');
      const literal = parts[i + 1] ?? '';
      if (out.length * alternatives.length > this.limit) {
        throw new Error(`template "${template}" expands to more than ${this.limit} strings`);
      }
      const next: string[] = [];
      for (const head of out) for (const alt of alternatives) next.push(head + alt + literal);
      out = next;
    }
    return out;
  }

  private slot(name: string): readonly string[] {
    const cached = this.memo.get(name);
    if (cached !== undefined) return cached;
    const alternatives = this.grammar[name];
    if (alternatives === undefined) throw new Error(`unknown slot {${name}}`);
    if (this.active.has(name)) throw new Error(`slot {${name}} refers to itself`);
    this.active.add(name);
    const out: string[] = [];
    for (const alt of alternatives) out.push(...this.expand(alt));
    this.active.delete(name);
    this.memo.set(name, out);
    return out;
  }
}
