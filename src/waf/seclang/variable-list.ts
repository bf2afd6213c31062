// The targets of a rule: `REQUEST_COOKIES|!REQUEST_COOKIES:/__utm/|&ARGS|XML:/*|TX:0`.
//   NAME            the whole variable or collection
//   NAME:key        one member (keys compare case-insensitively, as in ModSecurity)
//   NAME:/regex/    members whose key matches the regex
//   !NAME:...       exclusion: remove those members from this rule's targets
//   &NAME...        count: one value, the number of members
// XML's selector is an XPath expression, taken as written (it starts with '/').

export type Selector =
  | { readonly kind: 'key'; readonly key: string; readonly lower: string }
  | { readonly kind: 'regex'; readonly source: string }
  | { readonly kind: 'xpath'; readonly expression: string };

export interface VariableRef {
  /** Upper-cased variable name, e.g. "ARGS". */
  readonly name: string;
  readonly selector: Selector | undefined;
  readonly exclusion: boolean;
  readonly count: boolean;
  /** As written, for messages and logs. */
  readonly written: string;
}

export class VariableListError extends Error {}

export function parseVariableList(text: string): VariableRef[] {
  const out: VariableRef[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    const start = i;
    let exclusion = false;
    let count = false;
    if (text[i] === '!') {
      exclusion = true;
      i++;
    }
    if (text[i] === '&') {
      count = true;
      i++;
    }
    const nameStart = i;
    while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) i++;
    const name = text.slice(nameStart, i).toUpperCase();
    if (name === '') throw new VariableListError(`expected a variable name at "${text.slice(start, start + 30)}"`);
    let selector: Selector | undefined;
    if (text[i] === ':') {
      i++;
      if (name === 'XML') {
        const s = i;
        while (i < n && text[i] !== '|') i++;
        selector = { kind: 'xpath', expression: text.slice(s, i).trim() };
      } else if (text[i] === '/') {
        i++;
        let source = '';
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '\\' && i + 1 < n) {
            // Keep the escape for the regex, except "\/" which only protects the delimiter.
            source += text[i + 1] === '/' ? '/' : c + text[i + 1]!;
            i += 2;
            continue;
          }
          if (c === '/') {
            closed = true;
            i++;
            break;
          }
          source += c;
          i++;
        }
        if (!closed) throw new VariableListError(`unterminated /regex/ selector in "${text.slice(start, i)}"`);
        selector = { kind: 'regex', source };
      } else if (text[i] === "'") {
        i++;
        const s = i;
        while (i < n && text[i] !== "'") i++;
        if (i >= n) throw new VariableListError(`unterminated quoted selector in "${text.slice(start)}"`);
        const key = text.slice(s, i);
        i++;
        selector = { kind: 'key', key, lower: key.toLowerCase() };
      } else {
        const s = i;
        while (i < n && text[i] !== '|') i++;
        const key = text.slice(s, i).trim();
        if (key === '') throw new VariableListError(`empty selector after "${name}:"`);
        selector = { kind: 'key', key, lower: key.toLowerCase() };
      }
    }
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i < n && text[i] !== '|') throw new VariableListError(`unexpected "${text.slice(i, i + 20)}" in the variable list`);
    out.push({ name, selector, exclusion, count, written: text.slice(start, i).trim() });
    if (text[i] === '|') i++;
  }
  if (out.length === 0) throw new VariableListError('no variables');
  return out;
}
