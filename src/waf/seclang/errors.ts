// Errors in rule files name the file, the line and what is wrong: nothing starts on them.

export class SecLangError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'SecLangError';
  }
}

/** Several errors at once (a whole file is checked before giving up). */
export class SecLangErrors extends Error {
  constructor(readonly errors: readonly SecLangError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'SecLangErrors';
  }
}
