// The small part of Go's text/template (with a few sprig functions) that go-ftw evaluates in a
// stage's `data` (and in v3 payload templates): text, {{ pipelines }} of literals, `.Payload`
// and functions, `|` chaining, `{{-`/`-}}` trimming and comments. Control structures (if, range,
// with, define) are not supported: they raise a TemplateError, which the runner reports, rather
// than silently sending something else than go-ftw would.
//
// Strings here are JavaScript (UTF-16) strings, as the YAML gave them; the caller encodes the
// result as UTF-8, as Go does.

export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Value = string | number | boolean | undefined;

export interface TemplateData {
  readonly Payload?: string;
}

type Fn = (args: Value[]) => Value;

const str = (v: Value): string => (v === undefined ? '<no value>' : String(v));

function int(v: Value, fn: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw new TemplateError(`${fn}: expected an integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Go's url.QueryEscape on the UTF-8 bytes of `s`. */
export function goQueryEscape(s: string | Buffer): string {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  let out = '';
  for (const c of bytes) {
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e) {
      out += String.fromCharCode(c);
    } else if (c === 0x20) {
      out += '+';
    } else {
      out += `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

function printf(args: Value[]): string {
  const format = str(args[0]);
  let i = 1;
  return format.replace(/%([%sdvqx])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    const v = args[i++];
    switch (verb) {
      case 'd':
        return String(int(v, 'printf'));
      case 'q':
        return JSON.stringify(str(v));
      case 'x':
        return Buffer.from(str(v), 'utf8').toString('hex');
      default:
        return str(v);
    }
  });
}

const FUNCTIONS: Record<string, Fn> = {
  print: (a) => a.map(str).join(''),
  println: (a) => `${a.map(str).join(' ')}\n`,
  printf,
  len: (a) => str(a[0]).length,
  urlquery: (a) => goQueryEscape(a.map(str).join('')),
  // sprig
  repeat: (a) => {
    const n = int(a[0], 'repeat');
    if (n < 0 || n > 50_000_000) throw new TemplateError(`repeat: count ${n} out of range`);
    return str(a[1]).repeat(n);
  },
  upper: (a) => str(a[0]).toUpperCase(),
  lower: (a) => str(a[0]).toLowerCase(),
  trim: (a) => str(a[0]).trim(),
  b64enc: (a) => Buffer.from(str(a[0]), 'utf8').toString('base64'),
  b64dec: (a) => Buffer.from(str(a[0]), 'base64').toString('utf8'),
  replace: (a) => str(a[2]).split(str(a[0])).join(str(a[1])),
  cat: (a) => a.filter((v) => v !== undefined).map(str).join(' '),
  quote: (a) => a.map((v) => JSON.stringify(str(v))).join(' '),
  squote: (a) => a.map((v) => `'${str(v)}'`).join(' '),
};

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

/** Reads a Go interpreted string literal starting at s[i] === '"'; returns [value, next index]. */
function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  let j = i + 1;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '"') return [out, j + 1];
    if (c === '\n') break;
    if (c !== '\\') {
      out += c;
      j++;
      continue;
    }
    const e = s[j + 1];
    j += 2;
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case "'":
        out += "'";
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        const h = s.slice(j, j + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new TemplateError('bad \\x escape in a string literal');
        out += String.fromCharCode(parseInt(h, 16));
        j += 2;
        break;
      }
      case 'u':
      case 'U': {
        const n = e === 'u' ? 4 : 8;
        const h = s.slice(j, j + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new TemplateError(`bad \\${e} escape in a string literal`);
        out += String.fromCodePoint(parseInt(h, 16));
        j += n;
        break;
      }
      default:
        throw new TemplateError(`unknown escape \\${e ?? ''} in a string literal`);
    }
  }
  throw new TemplateError('unterminated string literal');
}

type Token = { kind: 'value'; value: Value } | { kind: 'name'; name: string } | { kind: 'field'; path: string[] } | { kind: 'pipe' };

function tokenize(action: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '|') {
      out.push({ kind: 'pipe' });
      i++;
    } else if (c === '"') {
      const [v, next] = readQuoted(action, i);
      out.push({ kind: 'value', value: v });
      i = next;
    } else if (c === '`') {
      const end = action.indexOf('`', i + 1);
      if (end === -1) throw new TemplateError('unterminated raw string literal');
      out.push({ kind: 'value', value: action.slice(i + 1, end) });
      i = end + 1;
    } else if (c === '(' || c === ')' || c === '$' || c === ':' || c === '=' || c === ',') {
      throw new TemplateError(`unsupported template syntax "${c}"`);
    } else {
      const m = /^[^\s|()"`]+/.exec(action.slice(i))!;
      const word = m[0];
      i += word.length;
      if (word === '.') out.push({ kind: 'field', path: [] });
      else if (word.startsWith('.')) out.push({ kind: 'field', path: word.slice(1).split('.') });
      else if (/^[+-]?[0-9]+$/.test(word)) out.push({ kind: 'value', value: Number(word) });
      else if (word === 'true' || word === 'false') out.push({ kind: 'value', value: word === 'true' });
      else if (word === 'nil') out.push({ kind: 'value', value: undefined });
      else if (/^'.'$/.test(word)) out.push({ kind: 'value', value: word.charCodeAt(1) });
      else out.push({ kind: 'name', name: word });
    }
  }
  return out;
}

function evaluatePipeline(action: string, data: TemplateData | undefined): Value {
  const tokens = tokenize(action);
  if (tokens.length === 0) throw new TemplateError('missing value for command');
  const first = tokens[0]!;
  if (first.kind === 'name' && KEYWORDS.has(first.name)) throw new TemplateError(`"${first.name}" actions are not supported`);
  const commands: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'pipe') commands.push([]);
    else commands[commands.length - 1]!.push(t);
  }
  let previous: { value: Value } | undefined;
  for (const cmd of commands) {
    if (cmd.length === 0) throw new TemplateError('missing command in pipeline');
    const operand = (t: Token): Value => {
      if (t.kind === 'value') return t.value;
      if (t.kind === 'field') {
        if (t.path.length === 0) return undefined;
        if (t.path.length === 1 && t.path[0] === 'Payload') return data?.Payload;
        throw new TemplateError(`unknown field .${t.path.join('.')}`);
      }
      if (t.kind === 'name') throw new TemplateError(`function "${t.name}" used as an argument`);
      throw new TemplateError('unexpected "|"');
    };
    const head = cmd[0]!;
    let result: Value;
    if (head.kind === 'name') {
      const fn = FUNCTIONS[head.name];
      if (!fn) throw new TemplateError(`function "${head.name}" is not supported by this runner`);
      const args = cmd.slice(1).map(operand);
      if (previous) args.push(previous.value);
      result = fn(args);
    } else {
      if (cmd.length > 1 || previous) throw new TemplateError("can't give arguments to a non-function");
      result = operand(head);
    }
    previous = { value: result };
  }
  return previous!.value;
}

/** Whether `text` contains template actions at all (most data does not). */
export function hasTemplateActions(text: string): boolean {
  return text.includes('{{');
}

/** Executes `text` as a Go template. Throws TemplateError for what it cannot do. */
export function executeTemplate(text: string, data?: TemplateData): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open === -1) {
      out += text.slice(i);
      break;
    }
    let literal = text.slice(i, open);
    let start = open + 2;
    if (text.startsWith('- ', start) || text.startsWith('-\t', start) || text.startsWith('-\n', start) || text.startsWith('-\r', start)) {
      literal = literal.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    out += literal;
    const close = text.indexOf('}}', start);
    if (close === -1) throw new TemplateError('unclosed action');
    let end = close;
    let trimAfter = false;
    if (close - 1 >= start && text[close - 1] === '-' && /[ \t\r\n]/.test(text[close - 2] ?? '')) {
      end = close - 1;
      trimAfter = true;
    }
    const action = text.slice(start, end).trim();
    if (!(action.startsWith('/*') && action.endsWith('*/'))) {
      const v = evaluatePipeline(action, data);
      out += str(v);
    }
    i = close + 2;
    if (trimAfter) while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++;
  }
  return out;
}
