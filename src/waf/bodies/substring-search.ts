// Knuth-Morris-Pratt search for one fixed pattern inside ranges of a byte string: linear in the
// range whatever the pattern and text (the multipart parser looks for "--boundary" in every line,
// and an attacker chooses both the boundary and the lines).

export class SubstringSearch {
  private readonly failure: Int32Array;

  constructor(private readonly pattern: string) {
    const m = pattern.length;
    this.failure = new Int32Array(m);
    let k = 0;
    for (let i = 1; i < m; i++) {
      while (k > 0 && pattern.charCodeAt(i) !== pattern.charCodeAt(k)) k = this.failure[k - 1] ?? 0;
      if (pattern.charCodeAt(i) === pattern.charCodeAt(k)) k++;
      this.failure[i] = k;
    }
  }

  /** Whether the pattern occurs entirely inside text[start, end). */
  occursIn(text: string, start: number, end: number): boolean {
    const m = this.pattern.length;
    if (m === 0) return true;
    if (end - start < m) return false;
    let k = 0;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      while (k > 0 && c !== this.pattern.charCodeAt(k)) k = this.failure[k - 1] ?? 0;
      if (c === this.pattern.charCodeAt(k)) k++;
      if (k === m) return true;
    }
    return false;
  }
}
