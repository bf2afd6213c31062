// Regular expressions from configuration run on attacker-controlled input (paths, headers), so
// they must not backtrack: V8's experimental linear-time engine (the `l` flag) guarantees time
// proportional to the input, and refuses patterns that need backtracking (backreferences,
// lookaround). A pattern it refuses is a configuration error, never a silent fallback.
import v8 from 'node:v8';

let enabled = false;

function enableLinearEngine(): void {
  if (enabled) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine');
  enabled = true;
}

/** Compiles `pattern` for linear-time matching; throws a readable Error when it cannot. */
export function compileLinearRegex(pattern: string, flags = ''): RegExp {
  enableLinearEngine();
  try {
    return new RegExp(pattern, `${flags}l`);
  } catch (err) {
    const message = (err as Error).message;
    if (message.includes('linear')) {
      throw new Error(`regex "${pattern}" needs backtracking (backreferences or lookaround), which is not allowed on request data`, { cause: err });
    }
    throw new Error(`invalid regex "${pattern}": ${message.replace(/^Invalid regular expression: /, '')}`, { cause: err });
  }
}

/** A path glob ("*" within a segment, "**" across segments, "?" one character) as a linear regex. */
export function compileGlob(glob: string): RegExp {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else {
      out += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
    }
  }
  return compileLinearRegex(`${out}$`);
}
