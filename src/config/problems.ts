// A configuration problem is reported as `path: what is wrong`, with the line in the file when the
// value came from one. Every check collects problems instead of stopping at the first, so a user
// fixes a file in one pass.

export type ConfigPath = ReadonlyArray<string | number>;

export interface ConfigProblem {
  readonly path: ConfigPath;
  readonly message: string;
  /** 1-based line in the YAML file, when known. */
  line?: number;
}

/** routes[0].match.pathPrefix */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (out === '' && part.startsWith('--')) out = part; // a command-line flag
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === '' ? '(top level)' : out;
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line !== undefined ? ` (line ${problem.line})` : '';
  return `${formatPath(problem.path)}: ${problem.message}${where}`;
}

export class ConfigError extends Error {
  constructor(
    readonly problems: readonly ConfigProblem[],
    readonly file?: string,
  ) {
    super(
      `${file ?? 'configuration'} is invalid:\n` + problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Collects problems under a base path; handed to every check. */
export class ProblemCollector {
  readonly problems: ConfigProblem[] = [];

  add(path: ConfigPath, message: string): void {
    this.problems.push({ path, message });
  }

  get ok(): boolean {
    return this.problems.length === 0;
  }
}
