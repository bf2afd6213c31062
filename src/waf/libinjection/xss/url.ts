// Does an attribute value hold a URL whose scheme runs script? The value is read as a browser
// reads it: character references decoded (`&#106;`, `&#x6A`, `&colon;`), leading spaces and
// control bytes dropped, TAB/LF/CR (which URL parsers delete anywhere) and NUL (old IE) ignored,
// letters case-folded. Only the scheme and, for data:, the media type are looked at, so the cost
// is bounded by the value's length and usually far less.

/** Schemes that run script when navigated to or loaded. */
const SCRIPT_SCHEMES = ['javascript', 'vbscript', 'livescript', 'mocha'] as const;

// data: URLs are dangerous when their media type is a document or a script; images, audio,
// video, fonts and plain text (the default) are not, and benign requests carry those (inline
// images), so only the active types count.
const ACTIVE_DATA_TYPES = [
  'text/html', 'text/xml', 'text/xsl', 'text/javascript', 'text/ecmascript', 'text/vbscript',
  'application/xhtml', 'application/xml', 'application/javascript', 'application/ecmascript',
  'application/x-javascript', 'image/svg',
] as const;

const MAX_SCHEME = 16;
const MAX_MEDIA_TYPE = 32;
const buffer = new Uint8Array(MAX_MEDIA_TYPE);

/** Position after the character read by the last readChar call (module state: no allocations). */
let cursor = 0;

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

// Named references that can spell or hide a scheme. All of HTML's thousands are not needed: no
// other named reference stands for an ASCII letter, a colon, a slash or a URL-deleted space.
const NAMED: ReadonlyArray<readonly [string, number]> = [['colon;', 0x3a], ['Tab;', 0x09], ['NewLine;', 0x0a], ['sol;', 0x2f]];

/** Decodes the character reference at s[i] === '&' (or returns '&' itself), setting cursor. */
function readReference(s: string, i: number, end: number): number {
  cursor = i + 1;
  if (s.charCodeAt(i + 1) !== 0x23) {
    for (const [name, code] of NAMED) {
      if (i + 1 + name.length <= end && s.startsWith(name, i + 1)) {
        cursor = i + 1 + name.length;
        return code;
      }
    }
    return 0x26;
  }
  const hex = (s.charCodeAt(i + 2) | 0x20) === 0x78;
  let p = hex ? i + 3 : i + 2;
  const digitsStart = p;
  let value = 0;
  for (; p < end; p++) {
    const c = s.charCodeAt(p);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (hex && isHexDigit(c)) d = (c | 0x20) - 0x61 + 10;
    else break;
    // Keep consuming digits (leading zeros are legal) but cap the value: out of range is no letter.
    value = Math.min(value * (hex ? 16 : 10) + d, 0x110000);
  }
  if (p === digitsStart) return 0x26; // "&#" without digits is text
  if (p < end && s.charCodeAt(p) === 0x3b) p++;
  cursor = p;
  return value;
}

/** The character at cursor after decoding, or -1 at the end; advances cursor. */
function readChar(s: string, end: number): number {
  const i = cursor;
  if (i >= end) return -1;
  const c = s.charCodeAt(i);
  if (c !== 0x26) {
    cursor = i + 1;
    return c;
  }
  return readReference(s, i, end);
}

/** The next character that a URL parser would not delete (TAB, LF, CR) and IE not ignore (NUL). */
function readSignificant(s: string, end: number): number {
  for (;;) {
    const c = readChar(s, end);
    if (c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0) return c;
  }
}

function lowerAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

function bufferStartsWith(length: number, word: string): boolean {
  if (length < word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if (buffer[i] !== word.charCodeAt(i)) return false;
  }
  return true;
}

function bufferEquals(length: number, word: string): boolean {
  return length === word.length && bufferStartsWith(length, word);
}

/** After "data:": is the media type (up to ',' or ';') one that a browser would run? */
function isActiveDataUrl(s: string, end: number): boolean {
  let c = readSignificant(s, end);
  while (c === 0x20 || c === 0x0c) c = readSignificant(s, end); // the type is trimmed of spaces
  let n = 0;
  while (c >= 0 && c !== 0x2c && c !== 0x3b && n < MAX_MEDIA_TYPE) {
    buffer[n++] = c < 0x80 ? lowerAscii(c) : 0; // non-ASCII spells no listed type
    c = readSignificant(s, end);
  }
  for (const type of ACTIVE_DATA_TYPES) {
    if (bufferStartsWith(n, type)) return true;
  }
  return false;
}

function isSchemeChar(c: number): boolean {
  const l = c | 0x20;
  return (l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

/** True when s[start, end), read as a URL, has a script scheme or an active data: type. */
export function isDangerousUrl(s: string, start: number, end: number): boolean {
  cursor = start;
  let c = readChar(s, end);
  // Leading spaces and controls are stripped by URL parsers; high bytes too, as old Opera and
  // some multi-byte charsets ignored them there.
  while (c >= 0 && (c <= 0x20 || c >= 0x7f)) c = readChar(s, end);
  let n = 0;
  while (c >= 0 && c !== 0x3a) {
    if (c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0) {
      if (!isSchemeChar(c) || n === MAX_SCHEME) return false;
      buffer[n++] = lowerAscii(c);
    }
    c = readChar(s, end);
  }
  if (c !== 0x3a || n === 0) return false;
  for (const scheme of SCRIPT_SCHEMES) {
    if (bufferEquals(n, scheme)) return true;
  }
  return bufferEquals(n, 'data') && isActiveDataUrl(s, end);
}
