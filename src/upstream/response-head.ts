// A response head as the parser accepted it: the text, and where each header field lies in it.
// Names and values become strings only when asked for. A proxy that forwards most fields as they
// came can copy runs of whole lines out of the text instead of slicing every name and value and
// joining them again, which is a measurable share of a small response's cost.

/** Numbers kept per field: line start, colon, value start, value end (OWS trimmed), line end. */
export const FIELD_STRIDE = 5;

/**
 * Whether `text` holds `lower` (lower-case letters and '-') at `start`, in any case. For a
 * character of a token, c | 0x20 is a lower-case letter only when c is that letter in either
 * case, and '-' only when c is '-'.
 */
export function sameLower(text: string, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((text.charCodeAt(start + i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

export class ResponseHead {
  constructor(
    readonly status: number,
    /**
     * The head as received, up to (not including) the empty line that ends it. The parser has
     * checked every line: no NUL, no bare CR or LF, names are tokens, no obsolete folding.
     */
    readonly text: string,
    /** FIELD_STRIDE numbers per field, in order of appearance. */
    private readonly at: readonly number[],
    /** The declared Content-Length, -1 without one. */
    readonly contentLength: number,
  ) {}

  /** Number of header fields. */
  get count(): number {
    return this.at.length / FIELD_STRIDE;
  }

  nameLength(i: number): number {
    return this.at[i * FIELD_STRIDE + 1]! - this.at[i * FIELD_STRIDE]!;
  }

  /** Whether the name of field `i` is `lower` (lower-case letters and '-'), in any case. */
  nameIs(i: number, lower: string): boolean {
    return this.nameLength(i) === lower.length && sameLower(this.text, this.at[i * FIELD_STRIDE]!, lower);
  }

  /** The name of field `i`, as sent. */
  name(i: number): string {
    return this.text.slice(this.at[i * FIELD_STRIDE], this.at[i * FIELD_STRIDE + 1]);
  }

  /** The value of field `i`, without surrounding whitespace. */
  value(i: number): string {
    return this.text.slice(this.at[i * FIELD_STRIDE + 2], this.at[i * FIELD_STRIDE + 3]);
  }

  /** Fields `from` to `to` (exclusive) as they came, each line ending with CRLF. */
  lines(from: number, to: number): string {
    if (from >= to) return '';
    return `${this.text.slice(this.at[from * FIELD_STRIDE], this.at[(to - 1) * FIELD_STRIDE + 4])}\r\n`;
  }

  /** The fields as a flat name/value list: a fresh array the caller may change. */
  list(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.name(i), this.value(i));
    return out;
  }
}
