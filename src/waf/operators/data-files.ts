// Data files for @pmFromFile and @ipMatchFromFile: one or more paths separated by whitespace,
// relative to the directory of the rule's file (libmodsecurity first tries the process's working
// directory; depending on it would make a rule set mean different things per start-up place).
// Remote URLs, which libmodsecurity downloads at load time, are refused.
import path from 'node:path';
import { hasMacro, type OperatorCompileContext } from './operator.js';

export function dataFilePaths(operator: string, param: string, ctx: OperatorCompileContext): string[] {
  if (hasMacro(param)) throw new Error(`@${operator}: the file name cannot hold a macro (files are read when the rules load)`);
  const names = param.split(/[ \t\r\n\v\f]+/).filter((n) => n !== '');
  if (names.length === 0) throw new Error(`@${operator} needs a data file name`);
  return names.map((name) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name)) {
      throw new Error(`@${operator}: remote data files ("${name}") are not supported; download the file and give its local path`);
    }
    return path.isAbsolute(name) ? name : path.resolve(ctx.baseDir, name);
  });
}

/**
 * The lines of a data file that carry data: not empty or blank, not a comment (first non-blank
 * byte "#"). A final \r (CRLF files) is dropped; other spaces are data, as in libmodsecurity.
 */
export function dataLines(content: string): string[] {
  const out: string[] = [];
  for (let line of content.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const first = line.search(/[^ \t\r\n\v\f]/);
    if (first === -1 || line.charCodeAt(first) === 0x23 /* # */) continue;
    out.push(line);
  }
  return out;
}
