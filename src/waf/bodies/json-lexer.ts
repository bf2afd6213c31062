// A JSON tokenizer with yajl 2's rules and messages (ModSecurity v3 parses JSON with yajl), on a
// byte string. Strings are checked the way yajl checks them (lead/continuation bit patterns only,
// so overlong forms and surrogates pass) and decoded the way yajl decodes them, quirks included;
// raw bytes are never decoded, so names and values come out as the same bytes (UTF-8 in, UTF-8
// byte string out) without a round trip through UTF-16.
//
// End of input: ModSecurity calls yajl_complete_parse, which feeds one more " " to the parser. We
// model that as a virtual space at position `len` and the true end after it, which gives yajl's
// results for things cut off at the end ("tru" -> invalid string, "1." -> malformed number,
// an open string -> premature EOF).

export const enum Tok {
  Eof,
  Error,
  Str,
  Num,
  True,
  False,
  Null,
  MapOpen,
  MapClose,
  ArrayOpen,
  ArrayClose,
  Comma,
  Colon,
}

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Characters yajl accepts after a backslash (besides 'u'). */
function isEscapable(c: number): boolean {
  return c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74;
}

/** yajl's hexToDigit, including what it computes for bytes that are not hex digits. */
function hexToDigit(text: string, at: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    let c = text.charCodeAt(at + i) || 0;
    if (c >= 0x41) c = ((c & ~0x20) - 7) & 0xff;
    c = (c - 0x30) & 0xff;
    value = ((value << 4) | c) >>> 0;
  }
  return value;
}

/** yajl's Utf32toUtf8, as a byte string. */
function utf8Bytes(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode((cp >> 6) | 0xc0, (cp & 0x3f) | 0x80);
  if (cp < 0x10000) return String.fromCharCode((cp >> 12) | 0xe0, ((cp >> 6) & 0x3f) | 0x80, (cp & 0x3f) | 0x80);
  if (cp < 0x200000) {
    return String.fromCharCode((cp >> 18) | 0xf0, ((cp >> 12) & 0x3f) | 0x80, ((cp >> 6) & 0x3f) | 0x80, (cp & 0x3f) | 0x80);
  }
  return '?';
}

const SIMPLE_ESCAPES: Record<number, string> = { 0x72: '\r', 0x6e: '\n', 0x5c: '\\', 0x2f: '/', 0x22: '"', 0x66: '\f', 0x62: '\b', 0x74: '\t' };

/**
 * yajl_string_decode on text[start, end) (end is the closing quote, which C can read too).
 * Quirks kept: a high surrogate not followed by "\u" becomes '?' and swallows the next byte; a
 * high surrogate followed by any "\uXXXX" is combined with it; "\u0000" gives a NUL byte.
 */
export function decodeJsonString(text: string, start: number, end: number): string {
  let out = '';
  let beg = start;
  let i = start;
  while (i < end) {
    if (text.charCodeAt(i) !== BACKSLASH) {
      i++;
      continue;
    }
    out += text.slice(beg, i);
    i++;
    const c = text.charCodeAt(i);
    let unescaped = SIMPLE_ESCAPES[c] ?? '?';
    if (c === 0x75) {
      let cp = hexToDigit(text, i + 1);
      i += 4;
      if ((cp & 0xfc00) === 0xd800) {
        i++;
        if (text.charCodeAt(i) === BACKSLASH && text.charCodeAt(i + 1) === 0x75) {
          const low = hexToDigit(text, i + 2);
          cp = (((cp & 0x3f) << 10) | ((((cp >> 6) & 0xf) + 1) << 16) | (low & 0x3ff)) >>> 0;
          i += 5;
          unescaped = utf8Bytes(cp);
        } else {
          unescaped = '?';
        }
      } else {
        unescaped = cp === 0 ? '\0' : utf8Bytes(cp);
      }
    }
    out += unescaped;
    i++;
    beg = i;
  }
  return beg < end ? out + text.slice(beg, end) : out;
}

export class JsonLexer {
  /** Token text: decoded string, number as written. */
  value = '';
  /** Why the last Tok.Error happened (yajl's lexical error text). */
  error = '';
  private pos = 0;
  private readonly len: number;

  constructor(private readonly text: string) {
    this.len = text.length;
  }

  /** Next byte, the virtual space at the end, or -1 past it. */
  private read(): number {
    const p = this.pos;
    if (p > this.len) return -1;
    this.pos = p + 1;
    return p < this.len ? this.text.charCodeAt(p) : SPACE;
  }

  private fail(message: string): Tok {
    this.error = message;
    return Tok.Error;
  }

  next(): Tok {
    for (;;) {
      const c = this.read();
      switch (c) {
        case -1:
          return Tok.Eof;
        case 0x7b:
          return Tok.MapOpen;
        case 0x7d:
          return Tok.MapClose;
        case 0x5b:
          return Tok.ArrayOpen;
        case 0x5d:
          return Tok.ArrayClose;
        case 0x2c:
          return Tok.Comma;
        case 0x3a:
          return Tok.Colon;
        case 0x09:
        case 0x0a:
        case 0x0b:
        case 0x0c:
        case 0x0d:
        case SPACE:
          continue;
        case 0x74:
          return this.literal('rue', Tok.True);
        case 0x66:
          return this.literal('alse', Tok.False);
        case 0x6e:
          return this.literal('ull', Tok.Null);
        case QUOTE:
          return this.string();
        case 0x2f:
          return this.fail('probable comment found in input text, comments are not enabled.');
        default:
          if (c === 0x2d || isDigit(c)) {
            this.pos--;
            return this.number();
          }
          return this.fail('invalid char in json text.');
      }
    }
  }

  private literal(rest: string, tok: Tok): Tok {
    for (let i = 0; i < rest.length; i++) {
      const c = this.read();
      if (c === -1) return Tok.Eof;
      if (c !== rest.charCodeAt(i)) return this.fail('invalid string in json text.');
    }
    return tok;
  }

  private number(): Tok {
    const start = this.pos;
    let c = this.read();
    if (c === 0x2d) c = this.read();
    if (c === 0x30) {
      c = this.read();
    } else if (c >= 0x31 && c <= 0x39) {
      do c = this.read();
      while (isDigit(c));
    } else {
      return c === -1 ? Tok.Eof : this.fail('malformed number, a digit is required after the minus sign.');
    }
    if (c === 0x2e) {
      let digits = 0;
      c = this.read();
      while (isDigit(c)) {
        digits++;
        c = this.read();
      }
      if (digits === 0) return c === -1 ? Tok.Eof : this.fail('malformed number, a digit is required after the decimal point.');
    }
    if (c === 0x65 || c === 0x45) {
      c = this.read();
      if (c === 0x2b || c === 0x2d) c = this.read();
      if (!isDigit(c)) return c === -1 ? Tok.Eof : this.fail('malformed number, a digit is required after the exponent.');
      do c = this.read();
      while (isDigit(c));
    }
    if (c === -1) return Tok.Eof;
    this.pos--; // yajl always reads one byte too far
    this.value = this.text.slice(start, this.pos);
    return Tok.Num;
  }

  /** After the opening quote. */
  private string(): Tok {
    const text = this.text;
    const len = this.len;
    const start = this.pos;
    let escapes = false;
    for (;;) {
      // Skip the bytes that need no attention.
      let p = this.pos;
      while (p < len) {
        const b = text.charCodeAt(p);
        if (b === QUOTE || b === BACKSLASH || b < 0x20 || b >= 0x80) break;
        p++;
      }
      this.pos = p;
      const c = this.read();
      if (c === -1) return Tok.Eof;
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escapes = true;
        const e = this.read();
        if (e === -1) return Tok.Eof;
        if (e === 0x75) {
          for (let i = 0; i < 4; i++) {
            const h = this.read();
            if (h === -1) return Tok.Eof;
            if (!isHex(h)) return this.fail("invalid (non-hex) character occurs after '\\u' inside string.");
          }
        } else if (!isEscapable(e)) {
          return this.fail("inside a string, '\\' occurs before a character which it may not.");
        }
      } else if (c < 0x20) {
        return this.fail('invalid character inside string.');
      } else if (c >= 0x80) {
        const t = this.utf8Tail(c);
        if (t !== Tok.Str) return t;
      }
    }
    const end = this.pos - 1;
    this.value = escapes ? decodeJsonString(text, start, end) : text.slice(start, end);
    return Tok.Str;
  }

  /** The continuation bytes of a UTF-8 sequence starting with `lead` (yajl_lex_utf8_char). */
  private utf8Tail(lead: number): Tok {
    let tail: number;
    if (lead >> 5 === 0x6) tail = 1;
    else if (lead >> 4 === 0xe) tail = 2;
    else if (lead >> 3 === 0x1e) tail = 3;
    else return this.fail('invalid bytes in UTF8 string.');
    for (let i = 0; i < tail; i++) {
      const c = this.read();
      if (c === -1) return Tok.Eof;
      if (c >> 6 !== 0x2) return this.fail('invalid bytes in UTF8 string.');
    }
    return Tok.Str;
  }
}
