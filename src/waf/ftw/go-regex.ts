// Go (RE2) regular expressions, as go-ftw's match_regex / no_match_regex / response_contains are
// written, compiled for V8. The two dialects agree on everything the CRS tests use; what differs
// is translated (leading (?i)/(?s)/(?m) flags, (?P<name>, \A, \z, \Q...\E, [[:class:]], \x{HH})
// and what cannot be translated raises GoRegexError, so a test is never judged by a pattern that
// means something else here.

export class GoRegexError extends Error {
  override name = 'GoRegexError';
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const escapeLiteral = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);

export function translateGoRegex(pattern: string): { source: string; flags: string } {
  let flags = '';
  let p = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(p);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'U') throw new GoRegexError('the U (ungreedy) flag has no JavaScript equivalent');
      if (!flags.includes(f)) flags += f;
    }
    p = p.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const e = p[i + 1];
      if (e === undefined) throw new GoRegexError('trailing backslash');
      if (e === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = end === -1 ? p.slice(i + 2) : p.slice(i + 2, end);
        out += escapeLiteral(lit);
        i = end === -1 ? p.length : end + 1;
        continue;
      }
      if (e === 'A' && !inClass) {
        out += '(?<![\\s\\S])';
        i++;
        continue;
      }
      if (e === 'z' && !inClass) {
        out += '(?![\\s\\S])';
        i++;
        continue;
      }
      if (e === 'x' && p[i + 2] === '{') {
        const end = p.indexOf('}', i + 3);
        const hex = end === -1 ? '' : p.slice(i + 3, end);
        if (!/^[0-9a-fA-F]{1,2}$/.test(hex)) throw new GoRegexError(`\\x{${hex}} beyond one byte is not supported`);
        out += `\\x${hex.padStart(2, '0')}`;
        i = end;
        continue;
      }
      if (e === 'p' || e === 'P' || e === 'C') throw new GoRegexError(`\\${e} is not supported`);
      out += c + e;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        const end = p.indexOf(':]', i + 2);
        const name = end === -1 ? '' : p.slice(i + 2, end);
        const negated = name.startsWith('^');
        const cls = POSIX[negated ? name.slice(1) : name];
        if (!cls) throw new GoRegexError(`unknown character class [:${name}:]`);
        if (negated) throw new GoRegexError('negated POSIX classes are not supported');
        out += cls;
        i = end + 1;
        continue;
      }
      if (c === '[') {
        out += '\\[';
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal in RE2.
      if (p[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (p[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      if (p.startsWith('(?P<', i)) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (p.startsWith('(?:', i) || p.startsWith('(?<', i)) {
        out += c;
        continue;
      }
      throw new GoRegexError('inline flags inside the pattern are not supported');
    }
    out += c;
  }
  if (inClass) throw new GoRegexError('missing closing ]');
  return { source: out, flags };
}

export function compileGoRegex(pattern: string): RegExp {
  const { source, flags } = translateGoRegex(pattern);
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new GoRegexError((err as Error).message);
  }
}
