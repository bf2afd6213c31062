// Is a style attribute's CSS able to run script? libinjection flags every style attribute; we flag
// only the constructs that reach script or hide from filters, so rich-text requests with
// `style="color:red"` pass while the known vectors do not:
// - expression(…) (IE), behavior: (IE .htc), -moz-binding (XBL), @import;
// - javascript:/vbscript: anywhere, and url(…) whose URL has a script scheme or active data type;
// - obfuscation a benign style never needs: CSS escapes (\65xpression), comments
//   (exp/**/ression), character references (&#101;), NUL bytes.
import { isDangerousUrl } from './url.js';

/** Case-insensitive match of s at i with a lower-case ASCII word (non-letters must be equal). */
function matchesAt(s: string, i: number, end: number, word: string): boolean {
  if (i + word.length > end) return false;
  for (let j = 0; j < word.length; j++) {
    const c = s.charCodeAt(i + j);
    const w = word.charCodeAt(j);
    if (c !== w && !(w >= 0x61 && w <= 0x7a && (c | 0x20) === w)) return false;
  }
  return true;
}

/** After "url(": skip spaces and an opening quote, then judge the URL. */
function isDangerousCssUrl(s: string, i: number, end: number): boolean {
  let p = i;
  while (p < end && s.charCodeAt(p) <= 0x20) p++;
  const q = s.charCodeAt(p);
  if (q === 0x22 || q === 0x27) p++;
  return isDangerousUrl(s, p, end);
}

/** Keywords by their first (lower-case) letter; each check is bounded by the keyword's length. */
function keywordAt(s: string, i: number, end: number, lower: number): boolean {
  switch (lower) {
    case 0x65: return matchesAt(s, i, end, 'expression');
    case 0x6a: return matchesAt(s, i, end, 'javascript');
    case 0x76: return matchesAt(s, i, end, 'vbscript');
    case 0x62: return matchesAt(s, i, end, 'behavior') || matchesAt(s, i, end, 'binding');
    case 0x75: return matchesAt(s, i, end, 'url(') && isDangerousCssUrl(s, i + 4, end);
    default: return false;
  }
}

/** True when the CSS in s[start, end) carries a script-capable or obfuscated construct. */
export function isDangerousStyle(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x00: // NUL
      case 0x5c: // backslash: a CSS escape
        return true;
      case 0x2f: // "/*"
        if (s.charCodeAt(i + 1) === 0x2a && i + 1 < end) return true;
        break;
      case 0x26: // "&#"
        if (s.charCodeAt(i + 1) === 0x23 && i + 1 < end) return true;
        break;
      case 0x40: // "@import"
        if (matchesAt(s, i + 1, end, 'import')) return true;
        break;
      default:
        if (keywordAt(s, i, end, c | 0x20)) return true;
    }
  }
  return false;
}
