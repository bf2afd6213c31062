// The action list of a rule: `id:1,phase:2,t:none,msg:'A, quoted value',setvar:tx.x=+1`.
// Actions are separated by commas; a value may be single-quoted (where \' is a quote and commas
// are kept) or bare up to the next comma. Blanks around names and bare values are ignored
// (continued lines leave indentation inside the list).

export interface RawAction {
  /** Lower-cased action name. */
  readonly name: string;
  /** The value after ':' (quotes removed), or undefined when there is none. */
  readonly value: string | undefined;
  /** The name as written, for messages. */
  readonly written: string;
}

export class ActionListError extends Error {}

export function parseActionList(text: string): RawAction[] {
  const out: RawAction[] = [];
  let i = 0;
  const n = text.length;
  const blank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  while (i < n) {
    while (i < n && (blank(text[i]) || text[i] === ',')) i++;
    if (i >= n) break;
    const nameStart = i;
    while (i < n && text[i] !== ':' && text[i] !== ',' && !blank(text[i])) i++;
    const written = text.slice(nameStart, i);
    while (i < n && blank(text[i])) i++;
    let value: string | undefined;
    if (text[i] === ':') {
      i++;
      while (i < n && blank(text[i])) i++;
      if (text[i] === "'") {
        i++;
        let v = '';
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '\\' && text[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          if (c === "'") {
            closed = true;
            i++;
            break;
          }
          v += c;
          i++;
        }
        if (!closed) throw new ActionListError(`unterminated quoted value for action "${written}"`);
        value = v;
        while (i < n && blank(text[i])) i++;
        if (i < n && text[i] !== ',') {
          throw new ActionListError(`unexpected text after the quoted value of "${written}": "${text.slice(i, i + 20)}"`);
        }
      } else {
        const start = i;
        while (i < n && text[i] !== ',') i++;
        value = text.slice(start, i).trim();
      }
    } else if (i < n && text[i] !== ',') {
      throw new ActionListError(`expected "," or ":" after action "${written}", found "${text.slice(i, i + 20)}"`);
    }
    if (written === '') throw new ActionListError(`an action without a name near "${text.slice(nameStart, nameStart + 20)}"`);
    out.push({ name: written.toLowerCase(), value, written });
  }
  return out;
}
