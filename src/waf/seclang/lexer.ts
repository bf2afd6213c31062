// Reads SecLang text into directives, the way ModSecurity reads its configuration:
//   - a backslash at the very end of a line continues the directive on the next line
//     (the backslash and the line break are removed, the next line's indentation is kept);
//   - lines whose first non-blank character is '#' are comments, as are blank lines;
//   - arguments are separated by blanks; an argument in double (or single) quotes runs to the
//     matching unescaped quote, and inside it only the escaped quote (\" or \') loses its
//     backslash — every other backslash is kept, so regexes reach the operator as written.
import { SecLangError } from './errors.js';

export interface Directive {
  /** The directive name as written (compare case-insensitively). */
  readonly name: string;
  readonly args: readonly string[];
  readonly file: string;
  /** 1-based line where the directive starts. */
  readonly line: number;
}

export function readDirectives(text: string, file: string): Directive[] {
  const lines = text.split('\n');
  const out: Directive[] = [];
  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    let logical = stripCr(lines[i]!);
    i++;
    while (endsWithContinuation(logical) && i < lines.length) {
      logical = logical.slice(0, -1) + stripCr(lines[i]!);
      i++;
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    const trimmed = logical.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const words = splitArguments(trimmed, file, startLine);
    if (words.length === 0) continue;
    out.push({ name: words[0]!, args: words.slice(1), file, line: startLine });
  }
  return out;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function endsWithContinuation(line: string): boolean {
  return line.endsWith('\\');
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v';
}

/** Splits one logical line into words, honouring quotes. */
export function splitArguments(text: string, file: string, line: number): string[] {
  const words: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && isBlank(text[i])) i++;
    if (i >= n) break;
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const quote = c;
      i++;
      let word = '';
      let closed = false;
      while (i < n) {
        const ch = text[i]!;
        if (ch === '\\' && text[i + 1] === quote) {
          word += quote;
          i += 2;
          continue;
        }
        if (ch === quote) {
          closed = true;
          i++;
          break;
        }
        word += ch;
        i++;
      }
      if (!closed) throw new SecLangError(file, line, `unterminated ${quote === '"' ? 'double' : 'single'}-quoted argument`);
      if (i < n && !isBlank(text[i])) {
        throw new SecLangError(file, line, `unexpected text after a quoted argument: "${text.slice(i, i + 20)}"`);
      }
      words.push(word);
    } else {
      const start = i;
      while (i < n && !isBlank(text[i])) i++;
      words.push(text.slice(start, i));
    }
  }
  return words;
}
