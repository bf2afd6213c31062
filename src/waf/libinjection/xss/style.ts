// Is a style attribute's CSS able to run script? libinjection flags every style attribute; we flag
// only the constructs that reach script, so rich-text requests with `style="color:red"` pass:
// expression(…) (IE), behavior: (IE .htc), -moz-binding (XBL), @import, javascript:/vbscript:
// anywhere, and url(…) whose URL has a script scheme or an active data: type.
//
// Obfuscation is undone first, as the browser would: character references, CSS escapes
// (`\65xpression`, `e\xpression`), comments (`exp/**/ression`, which old IE removed) and NULs.
// The normalised copy costs one allocation per style value, which is rare in traffic.
import { CharReader } from './charref.js';
import { isDangerousUrl } from './url.js';

const reader = new CharReader();

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

function isCssNewline(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x0c;
}

/** After a backslash: the escaped character, or -1 for an escaped newline (a continuation). */
function readEscape(s: string, end: number): number {
  const first = reader.read(s, end);
  if (first < 0 || isCssNewline(first)) return -1;
  let value = hexValue(first);
  if (value < 0) return first;
  for (let digits = 1; digits < 6; digits++) {
    const at = reader.pos;
    const d = hexValue(reader.read(s, end));
    if (d < 0) {
      reader.pos = at;
      break;
    }
    value = value * 16 + d;
  }
  const at = reader.pos;
  const after = reader.read(s, end);
  if (after !== 0x20 && after !== 0x09 && !isCssNewline(after)) reader.pos = at; // one space ends it
  return value;
}

/** Skips a comment after its "/*"; an unclosed one runs to the end, as in CSS. */
function skipComment(s: string, end: number): void {
  let star = false;
  for (;;) {
    const c = reader.read(s, end);
    if (c < 0 || (star && c === 0x2f)) return;
    star = c === 0x2a;
  }
}

/** The CSS of s[start, end) decoded and lower-cased, without comments and NULs. */
function normalise(s: string, start: number, end: number): string {
  reader.pos = start;
  let out = '';
  for (;;) {
    let c = reader.read(s, end);
    if (c < 0) return out;
    if (c === 0x5c) {
      c = readEscape(s, end);
      if (c < 0) continue;
    } else if (c === 0x2f) {
      const at = reader.pos;
      if (reader.read(s, end) === 0x2a) {
        skipComment(s, end);
        continue;
      }
      reader.pos = at;
    }
    if (c === 0) continue;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    out += String.fromCharCode(c > 0xff ? 0xff : c); // non-Latin-1 spells no keyword
  }
}

/** After "url(": skip spaces and an opening quote, then judge the URL. */
function hasDangerousCssUrl(css: string): boolean {
  for (let i = css.indexOf('url('); i >= 0; i = css.indexOf('url(', i + 4)) {
    let p = i + 4;
    while (p < css.length && css.charCodeAt(p) <= 0x20) p++;
    const q = css.charCodeAt(p);
    if (q === 0x22 || q === 0x27) p++;
    if (isDangerousUrl(css, p, css.length)) return true;
  }
  return false;
}

/** "behavior" as IE's property, not the end of scroll-behavior or overscroll-behavior. */
function hasBehaviorProperty(css: string): boolean {
  for (let i = css.indexOf('behavior'); i >= 0; i = css.indexOf('behavior', i + 8)) {
    if (i === 0 || css.charCodeAt(i - 1) !== 0x2d) return true;
  }
  return false;
}

/** True when the CSS in s[start, end) can run script. */
export function isDangerousStyle(s: string, start: number, end: number): boolean {
  const css = normalise(s, start, end);
  return (
    css.includes('expression') ||
    css.includes('javascript') ||
    css.includes('vbscript') ||
    css.includes('-moz-binding') ||
    css.includes('@import') ||
    hasBehaviorProperty(css) ||
    hasDangerousCssUrl(css)
  );
}
