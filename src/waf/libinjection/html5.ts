// An HTML5 tokenizer for XSS detection (the libinjection approach, our own code).
//
// It follows the WHATWG tokenization states that decide where markup starts and ends — data, tag
// open, end tag open, tag name, before/after attribute name, attribute name, before attribute
// value, attribute value (double, single, back-quoted, unquoted), self-closing start tag, markup
// declaration, comment, bogus comment, doctype, CDATA — and emits one token at a time as offsets
// into the input (no substrings are made). It does not build a tree, decode character references
// or track the insertion mode: the detector only needs to know which bytes a browser would read
// as a tag name, an attribute name, an attribute value or a comment.
//
// Deliberate differences from the standard, each to see what some browser (often old IE) saw:
// - a back-quote may open a quoted attribute value, as old IE treated it (an option: the
//   detector reads inputs with back-quotes both ways);
// - NUL and vertical tab separate attributes like whitespace (IE), NUL starts a tag name;
// - `<![CDATA[` ends at the first `>`: outside SVG/MathML a browser reads it as a bogus comment
//   that ends there, and choosing the earlier end exposes the most markup to the detector.
//
// Inputs are byte strings (see ../README.md) and attacker-controlled: every state either emits a
// token or consumes input, and every search starts where the last one ended, so a whole pass is
// linear in the input length and never throws.

/** Token types (numbers, so the hot loop compares small integers). */
export const Token = {
  /** Text between tags (also the inside of a CDATA section). */
  Text: 1,
  /** The name of a start tag, `<name`. */
  TagOpen: 2,
  /** The name of an end tag, `</name`. */
  TagClose: 3,
  /** The `>` that ends a tag. */
  TagEnd: 4,
  /** The `/>` that ends a self-closing tag. */
  SelfClose: 5,
  AttrName: 6,
  /** An attribute value, without its quotes. */
  AttrValue: 7,
  /** The inside of `<!--…-->`, or of a bogus comment: `<!…>`, `<?…>`, `</…>`. */
  Comment: 8,
  /** What follows `<!DOCTYPE` up to `>`. */
  Doctype: 9,
} as const;
export type TokenType = (typeof Token)[keyof typeof Token];

/** Where the input is assumed to have been inserted into a page. */
export const Start = {
  /** Between tags (the data state). */
  Data: 0,
  /** Inside a tag, where attribute names are expected (libinjection's "no quote" start). */
  AttrName: 1,
  /** Inside an unquoted attribute value: the input's first run up to whitespace is the value. */
  ValueUnquoted: 2,
  ValueSingle: 3,
  ValueDouble: 4,
  ValueBack: 5,
} as const;
export type StartContext = (typeof Start)[keyof typeof Start];

// Internal states. After a quoted value the standard's "after attribute value (quoted)" state
// behaves exactly like "before attribute name" here, so the two share one state.
const S_EOF = 0;
const S_DATA = 1;
const S_TAG_OPEN = 2;
const S_END_TAG_OPEN = 3;
const S_TAG_NAME = 4;
const S_BEFORE_ATTR_NAME = 5;
const S_ATTR_NAME = 6;
const S_AFTER_ATTR_NAME = 7;
const S_BEFORE_ATTR_VALUE = 8;
const S_VALUE_QUOTED = 9;
const S_VALUE_UNQUOTED = 10;
const S_SELF_CLOSING = 11;
const S_MARKUP_DECLARATION = 12;
const S_COMMENT = 13;
const S_BOGUS_COMMENT = 14;
const S_DOCTYPE = 15;
const S_CDATA = 16;

const GT = 0x3e;
const SLASH = 0x2f;
const EQUALS = 0x3d;
const BANG = 0x21;
const QUESTION = 0x3f;
const DASH = 0x2d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKTICK = 0x60;

/** Whitespace that ends a name or an unquoted value: TAB, LF, VT, FF, CR, space. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** ASCII letter (the only bytes that start a tag name in the standard). */
function isAlpha(c: number): boolean {
  return ((c | 0x20) - 0x61) >>> 0 < 26;
}

/**
 * A reusable tokenizer: `reset` it on an input, then call `next` until it returns false; after
 * each true, `type`, `start` and `end` describe the token (input.slice(start, end)).
 */
export class Html5Tokenizer {
  type: TokenType = Token.Text;
  start = 0;
  end = 0;

  private s = '';
  private len = 0;
  private pos = 0;
  private state = S_EOF;
  /** The quote that ends the current quoted value, as a one-character string for indexOf. */
  private quote = '"';
  /** The tag name being read belongs to an end tag. */
  private closing = false;

  /**
   * Whether a back-quote opens a quoted attribute value (old IE) or is an ordinary character of
   * an unquoted one (the standard). Set before reset.
   */
  backtickQuotes = true;

  reset(input: string, context: StartContext): void {
    this.s = input;
    this.len = input.length;
    this.pos = 0;
    this.closing = false;
    switch (context) {
      case Start.Data:
        this.state = S_DATA;
        break;
      case Start.AttrName:
        this.state = S_BEFORE_ATTR_NAME;
        break;
      case Start.ValueUnquoted:
        this.state = S_VALUE_UNQUOTED;
        break;
      case Start.ValueSingle:
        this.startQuoted("'");
        break;
      case Start.ValueDouble:
        this.startQuoted('"');
        break;
      case Start.ValueBack:
        this.startQuoted('`');
        break;
    }
  }

  /** Advances to the next token; false at the end of the input. */
  next(): boolean {
    for (;;) {
      let emitted: boolean;
      switch (this.state) {
        case S_DATA: emitted = this.data(); break;
        case S_TAG_OPEN: emitted = this.tagOpen(); break;
        case S_END_TAG_OPEN: emitted = this.endTagOpen(); break;
        case S_TAG_NAME: emitted = this.tagName(); break;
        case S_BEFORE_ATTR_NAME: emitted = this.beforeAttrName(); break;
        case S_ATTR_NAME: emitted = this.attrName(); break;
        case S_AFTER_ATTR_NAME: emitted = this.afterAttrName(); break;
        case S_BEFORE_ATTR_VALUE: emitted = this.beforeAttrValue(); break;
        case S_VALUE_QUOTED: emitted = this.valueQuoted(); break;
        case S_VALUE_UNQUOTED: emitted = this.valueUnquoted(); break;
        case S_SELF_CLOSING: emitted = this.selfClosing(); break;
        case S_MARKUP_DECLARATION: emitted = this.markupDeclaration(); break;
        case S_COMMENT: emitted = this.comment(); break;
        case S_BOGUS_COMMENT: emitted = this.untilGt(Token.Comment); break;
        case S_DOCTYPE: emitted = this.untilGt(Token.Doctype); break;
        case S_CDATA: emitted = this.cdata(); break;
        default: return false;
      }
      if (emitted) return true;
    }
  }

  private startQuoted(quote: string): void {
    this.quote = quote;
    this.state = S_VALUE_QUOTED;
  }

  private emit(type: TokenType, start: number, end: number, nextState: number): true {
    this.type = type;
    this.start = start;
    this.end = end;
    this.state = nextState;
    return true;
  }

  private at(i: number): number {
    return this.s.charCodeAt(i);
  }

  /** Skips whitespace, NUL included (IE ignored NULs between attributes). */
  private skipSpace(): void {
    let p = this.pos;
    while (p < this.len) {
      const c = this.at(p);
      if (c !== 0 && !isSpace(c)) break;
      p++;
    }
    this.pos = p;
  }

  private data(): boolean {
    const start = this.pos;
    const lt = this.s.indexOf('<', start);
    if (lt < 0) {
      this.pos = this.len;
      if (start < this.len) return this.emit(Token.Text, start, this.len, S_EOF);
      this.state = S_EOF;
      return false;
    }
    this.pos = lt + 1;
    if (lt > start) return this.emit(Token.Text, start, lt, S_TAG_OPEN);
    this.state = S_TAG_OPEN;
    return false;
  }

  /** Just after `<`. */
  private tagOpen(): boolean {
    if (this.pos >= this.len) {
      this.state = S_EOF;
      return false;
    }
    const c = this.at(this.pos);
    if (isAlpha(c) || c === 0) {
      this.closing = false;
      this.state = S_TAG_NAME;
    } else if (c === BANG) {
      this.pos++;
      this.state = S_MARKUP_DECLARATION;
    } else if (c === SLASH) {
      this.pos++;
      this.state = S_END_TAG_OPEN;
    } else if (c === QUESTION) {
      // `<?xml …>` and other processing instructions are bogus comments in HTML.
      this.pos++;
      this.state = S_BOGUS_COMMENT;
    } else {
      // "a < b", "I <3 you", "<%": the `<` is text. (Old IE read `<%…%>` as a comment; in
      // today's browsers what follows is markup, and reading it so exposes more to the detector.)
      return this.emit(Token.Text, this.pos - 1, this.pos, S_DATA);
    }
    return false;
  }

  /** Just after `</`. */
  private endTagOpen(): boolean {
    if (this.pos >= this.len) {
      this.state = S_EOF;
      return false;
    }
    const c = this.at(this.pos);
    if (isAlpha(c)) {
      this.closing = true;
      this.state = S_TAG_NAME;
    } else if (c === GT) {
      this.pos++; // `</>` is dropped by browsers
      this.state = S_DATA;
    } else {
      this.state = S_BOGUS_COMMENT;
    }
    return false;
  }

  private tagName(): boolean {
    const start = this.pos;
    let p = start;
    while (p < this.len) {
      const c = this.at(p);
      if (isSpace(c) || c === SLASH || c === GT) break;
      p++;
    }
    this.pos = p;
    const type = this.closing ? Token.TagClose : Token.TagOpen;
    this.closing = false;
    return this.emit(type, start, p, S_BEFORE_ATTR_NAME);
  }

  /** Also serves as "after attribute value (quoted)": both skip space, then read `/`, `>` or a name. */
  private beforeAttrName(): boolean {
    this.skipSpace();
    if (this.pos >= this.len) {
      this.state = S_EOF;
      return false;
    }
    const c = this.at(this.pos);
    if (c === SLASH) {
      this.pos++;
      this.state = S_SELF_CLOSING;
      return false;
    }
    if (c === GT) return this.tagEnd();
    this.state = S_ATTR_NAME;
    return false;
  }

  private tagEnd(): true {
    this.pos++;
    return this.emit(Token.TagEnd, this.pos - 1, this.pos, S_DATA);
  }

  private attrName(): boolean {
    const start = this.pos;
    // The first byte always belongs to the name, even `=` (as the standard says).
    let p = start + 1;
    while (p < this.len) {
      const c = this.at(p);
      if (isSpace(c) || c === SLASH || c === EQUALS || c === GT) break;
      p++;
    }
    this.pos = p;
    return this.emit(Token.AttrName, start, p, S_AFTER_ATTR_NAME);
  }

  private afterAttrName(): boolean {
    this.skipSpace();
    if (this.pos >= this.len) {
      this.state = S_EOF;
      return false;
    }
    const c = this.at(this.pos);
    if (c === EQUALS) {
      this.pos++;
      this.state = S_BEFORE_ATTR_VALUE;
    } else if (c === SLASH) {
      this.pos++;
      this.state = S_SELF_CLOSING;
    } else if (c === GT) {
      return this.tagEnd();
    } else {
      this.state = S_ATTR_NAME;
    }
    return false;
  }

  private beforeAttrValue(): boolean {
    this.skipSpace();
    if (this.pos >= this.len) {
      this.state = S_EOF;
      return false;
    }
    const c = this.at(this.pos);
    if (c === DQUOTE || c === SQUOTE || (c === BACKTICK && this.backtickQuotes)) {
      this.pos++;
      this.startQuoted(c === DQUOTE ? '"' : c === SQUOTE ? "'" : '`');
      return false;
    }
    if (c === GT) return this.tagEnd(); // `name=>`: the value is missing
    this.state = S_VALUE_UNQUOTED;
    return false;
  }

  private valueQuoted(): boolean {
    const start = this.pos;
    const q = this.s.indexOf(this.quote, start);
    if (q < 0) {
      this.pos = this.len;
      return this.emit(Token.AttrValue, start, this.len, S_EOF);
    }
    this.pos = q + 1;
    return this.emit(Token.AttrValue, start, q, S_BEFORE_ATTR_NAME);
  }

  private valueUnquoted(): boolean {
    const start = this.pos;
    let p = start;
    while (p < this.len) {
      const c = this.at(p);
      if (isSpace(c) || c === GT) break;
      p++;
    }
    this.pos = p;
    return this.emit(Token.AttrValue, start, p, S_BEFORE_ATTR_NAME);
  }

  /** Just after a `/` inside a tag. */
  private selfClosing(): boolean {
    if (this.pos >= this.len) {
      this.state = S_EOF;
      return false;
    }
    if (this.at(this.pos) === GT) {
      this.pos++;
      return this.emit(Token.SelfClose, this.pos - 2, this.pos, S_DATA);
    }
    // `<svg/onload=…>`: the slash separates attributes.
    this.state = S_BEFORE_ATTR_NAME;
    return false;
  }

  /** Just after `<!`. */
  private markupDeclaration(): boolean {
    const p = this.pos;
    if (this.at(p) === DASH && this.at(p + 1) === DASH) {
      this.pos = p + 2;
      this.state = S_COMMENT;
    } else if (this.matchesFolded(p, 'doctype')) {
      this.pos = p + 7;
      this.state = S_DOCTYPE;
    } else if (this.s.startsWith('[CDATA[', p)) {
      this.pos = p + 7;
      this.state = S_CDATA;
    } else {
      this.state = S_BOGUS_COMMENT;
    }
    return false;
  }

  /** Case-insensitive comparison of the input at `p` with a lower-case ASCII word. */
  private matchesFolded(p: number, word: string): boolean {
    if (p + word.length > this.len) return false;
    for (let i = 0; i < word.length; i++) {
      if ((this.at(p + i) | 0x20) !== word.charCodeAt(i)) return false;
    }
    return true;
  }

  /** Just after `<!--`: ends at `-->` or `--!>`; `<!-->` and `<!--->` are empty comments. */
  private comment(): boolean {
    const start = this.pos;
    if (this.at(start) === GT) {
      this.pos = start + 1;
      return this.emit(Token.Comment, start, start, S_DATA);
    }
    if (this.at(start) === DASH && this.at(start + 1) === GT) {
      this.pos = start + 2;
      return this.emit(Token.Comment, start, start, S_DATA);
    }
    let from = start;
    for (;;) {
      const d = this.s.indexOf('--', from);
      if (d < 0) {
        this.pos = this.len;
        return this.emit(Token.Comment, start, this.len, S_EOF);
      }
      const after = this.at(d + 2);
      if (after === GT) {
        this.pos = d + 3;
        return this.emit(Token.Comment, start, d, S_DATA);
      }
      if (after === BANG && this.at(d + 3) === GT) {
        this.pos = d + 4;
        return this.emit(Token.Comment, start, d, S_DATA);
      }
      from = d + 1;
    }
  }

  /** A bogus comment or a doctype: everything up to the next `>`. */
  private untilGt(type: TokenType): true {
    const start = this.pos;
    const gt = this.s.indexOf('>', start);
    if (gt < 0) {
      this.pos = this.len;
      return this.emit(type, start, this.len, S_EOF);
    }
    this.pos = gt + 1;
    return this.emit(type, start, gt, S_DATA);
  }

  /** Just after `<![CDATA[`: text up to the first `>` (see the header), without a final `]]`. */
  private cdata(): boolean {
    const start = this.pos;
    const gt = this.s.indexOf('>', start);
    if (gt < 0) {
      this.pos = this.len;
      return this.emit(Token.Text, start, this.len, S_EOF);
    }
    this.pos = gt + 1;
    const end = gt - start >= 2 && this.s.startsWith(']]', gt - 2) ? gt - 2 : gt;
    return this.emit(Token.Text, start, end, S_DATA);
  }
}
