// @detectXSS: the libinjection XSS approach, in our own code. The input is tokenized as HTML5
// (./html5.ts) as if it had been inserted into a page in each of the usual places — between tags,
// inside a tag, inside an unquoted, single-, double- or back-quoted attribute value — and is XSS
// when any of those readings yields a dangerous tag, attribute, URL, style, comment or doctype
// (lists and reasons in ./xss/). Inputs are byte strings (see ../README.md).
//
// Cost: each reading is one linear pass that allocates nothing (but a normalised copy of a style
// value, see ./xss/style.ts); readings that cannot differ from an earlier one, or cannot reach
// anything dangerous, are skipped (see detectXss).
import { Html5Tokenizer, Start, Token, type StartContext } from './html5.js';
import { isDangerousComment } from './xss/comment.js';
import { Attr, type AttrKind, attrKind, isBlackTag } from './xss/names.js';
import { isDangerousStyle } from './xss/style.js';
import { isDangerousUrl } from './xss/url.js';

// One tokenizer for every call: detectXss is synchronous and never re-entered.
const tokenizer = new Html5Tokenizer();

function isDangerousValue(kind: AttrKind, s: string, start: number, end: number): boolean {
  switch (kind) {
    case Attr.Black: return true;
    case Attr.Url: return isDangerousUrl(s, start, end);
    case Attr.Style: return isDangerousStyle(s, start, end);
    // An attribute named by the value (SVG attributeName=onclick) is judged by that name.
    case Attr.Indirect: return attrKind(s, start, end) !== Attr.None;
    default: return false;
  }
}

/** One reading of the input from one starting context. */
function scan(input: string, context: StartContext, backtickQuotes = true): boolean {
  tokenizer.backtickQuotes = backtickQuotes;
  tokenizer.reset(input, context);
  const found = findDanger(input);
  tokenizer.reset('', Start.Data); // hold no reference to a large input between calls
  return found;
}

function findDanger(input: string): boolean {
  const t = tokenizer;
  // The kind of the attribute whose value comes next. A value without a name before it (the
  // first token of a value context) is judged by nothing: a bare "javascript:…" is left to the
  // CRS's own rules (941170), as libinjection leaves it.
  let pending: AttrKind = Attr.None;
  while (t.next()) {
    switch (t.type) {
      case Token.AttrValue:
        if (pending !== Attr.None && isDangerousValue(pending, input, t.start, t.end)) return true;
        break;
      case Token.AttrName:
        pending = attrKind(input, t.start, t.end);
        continue;
      case Token.TagOpen:
        if (isBlackTag(input, t.start, t.end)) return true;
        break;
      case Token.Comment:
        if (isDangerousComment(input, t.start, t.end)) return true;
        break;
      case Token.Doctype:
        // User input has no business starting a document: a doctype switches the parser's mode
        // (quirks mode revives old CSS script tricks) and may carry an entity subset.
        return true;
      default:
        break;
    }
    pending = Attr.None;
  }
  return false;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * Whether the unquoted-value reading can differ from the in-tag (attribute name) reading: they
 * part ways only if the first run of the input (up to whitespace or `>`) holds a quote, which
 * the in-tag reading may take to open a quoted value. Otherwise both resynchronise at the end of
 * that run (they can only disagree on whether an `=` starts a name or a value there, and names
 * starting with `=` are never dangerous), and the in-tag reading sees at least as much.
 */
function firstRunHasQuote(input: string): boolean {
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (isSpace(c) || c === 0x3e) return false;
    if (c === 0x22 || c === 0x27 || c === 0x60) return true;
  }
  return false;
}

/** True when the byte string `input` would inject script-capable HTML somewhere in a page. */
export function detectXss(input: string): boolean {
  // Tags, comments and doctypes need a '<'; dangerous attributes need a value, so an '='.
  const hasLt = input.indexOf('<') >= 0;
  if (!hasLt && input.indexOf('=') < 0) return false;
  const hasBacktick = input.indexOf('`') >= 0;
  if (hasLt && scan(input, Start.Data)) return true;
  // Old IE took a back-quote for a quote, today's browsers do not; `<x a=`><img onerror=…>`
  // hides the img from the one reading and shows it to the other, so read it both ways.
  if (hasLt && hasBacktick && scan(input, Start.Data, false)) return true;
  if (scan(input, Start.AttrName)) return true;
  if (firstRunHasQuote(input) && scan(input, Start.ValueUnquoted)) return true;
  // A quoted value that never closes is one harmless value: skip contexts whose quote is absent.
  if (input.indexOf("'") >= 0 && scan(input, Start.ValueSingle)) return true;
  if (input.indexOf('"') >= 0 && scan(input, Start.ValueDouble)) return true;
  return hasBacktick && scan(input, Start.ValueBack);
}
