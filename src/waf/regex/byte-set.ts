// A set of byte values (0-255), the unit PCRE classes are built from in non-UTF mode. Only used
// while compiling a pattern, so clarity beats compactness: one slot per byte.

export class ByteSet {
  private readonly bits = new Uint8Array(256);

  static of(...codes: number[]): ByteSet {
    const set = new ByteSet();
    for (const c of codes) set.add(c);
    return set;
  }

  static range(lo: number, hi: number): ByteSet {
    return new ByteSet().addRange(lo, hi);
  }

  static all(): ByteSet {
    return new ByteSet().addRange(0, 255);
  }

  add(code: number): this {
    this.bits[code & 0xff] = 1;
    return this;
  }

  addRange(lo: number, hi: number): this {
    for (let c = lo; c <= hi; c++) this.bits[c] = 1;
    return this;
  }

  addSet(other: ByteSet): this {
    for (let c = 0; c < 256; c++) if (other.bits[c] === 1) this.bits[c] = 1;
    return this;
  }

  has(code: number): boolean {
    return this.bits[code] === 1;
  }

  /** The complement within 0-255 (input strings never hold larger char codes). */
  inverted(): ByteSet {
    const out = new ByteSet();
    for (let c = 0; c < 256; c++) out.bits[c] = this.bits[c] === 1 ? 0 : 1;
    return out;
  }

  /**
   * Adds the other case of every ASCII letter in the set. PCRE in non-UTF mode with its default
   * ("C" locale) tables folds ASCII letters only: 0xE9 and 0xC9 stay distinct.
   */
  foldAsciiCase(): this {
    for (let c = 0x41; c <= 0x5a; c++) {
      if (this.bits[c] === 1 || this.bits[c + 0x20] === 1) {
        this.bits[c] = 1;
        this.bits[c + 0x20] = 1;
      }
    }
    return this;
  }

  size(): number {
    let n = 0;
    for (let c = 0; c < 256; c++) n += this.bits[c]!;
    return n;
  }

  isFull(): boolean {
    return this.size() === 256;
  }

  /** The only member, or -1 when the set holds zero or several bytes. */
  single(): number {
    let found = -1;
    for (let c = 0; c < 256; c++) {
      if (this.bits[c] === 1) {
        if (found !== -1) return -1;
        found = c;
      }
    }
    return found;
  }

  intersects(other: ByteSet): boolean {
    for (let c = 0; c < 256; c++) if (this.bits[c] === 1 && other.bits[c] === 1) return true;
    return false;
  }

  /** Maximal runs of members as [lo, hi] pairs, ascending. */
  ranges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let c = 0;
    while (c < 256) {
      if (this.bits[c] !== 1) {
        c++;
        continue;
      }
      const lo = c;
      while (c < 256 && this.bits[c] === 1) c++;
      out.push([lo, c - 1]);
    }
    return out;
  }
}
