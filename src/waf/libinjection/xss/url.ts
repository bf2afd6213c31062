// Does an attribute value hold a URL whose scheme runs script? The value is read as a browser
// reads it: character references decoded (./charref.ts), leading spaces and control bytes
// dropped, TAB/LF/CR (which URL parsers delete anywhere) and NUL (old IE) ignored, letters
// case-folded. Only the scheme and, for data:, the media type are looked at, so the cost is
// bounded by the value's length and usually far less.
import { CharReader } from './charref.js';

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
const reader = new CharReader();

/** The next character that a URL parser would not delete (TAB, LF, CR) and IE not ignore (NUL). */
function readSignificant(s: string, end: number): number {
  for (;;) {
    const c = reader.read(s, end);
    if (c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0) return c;
  }
}

/** Lower-cased ASCII, 0 for anything else (which spells no listed name). */
function foldAscii(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c | 0x20;
  return c < 0x80 ? c : 0;
}

function bufferStartsWith(length: number, word: string): boolean {
  if (length < word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if (buffer[i] !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** After "data:": is the media type (up to ',' or ';') one that a browser would run? */
function isActiveDataUrl(s: string, end: number): boolean {
  let c = readSignificant(s, end);
  while (c === 0x20 || c === 0x0c) c = readSignificant(s, end); // the type is trimmed of spaces
  let n = 0;
  while (c >= 0 && c !== 0x2c && c !== 0x3b && n < MAX_MEDIA_TYPE) {
    buffer[n++] = foldAscii(c);
    c = readSignificant(s, end);
  }
  for (const type of ACTIVE_DATA_TYPES) {
    if (bufferStartsWith(n, type)) return true;
  }
  return false;
}

function isSchemeChar(c: number): boolean {
  const l = c | 0x20;
  return (l >= 0x61 && l <= 0x7a && c < 0x80) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

/** True when s[start, end), read as a URL, has a script scheme or an active data: type. */
export function isDangerousUrl(s: string, start: number, end: number): boolean {
  reader.pos = start;
  let c = reader.read(s, end);
  // Leading spaces and controls are stripped by URL parsers; high bytes too, as old Opera and
  // some multi-byte charsets ignored them there.
  while (c >= 0 && (c <= 0x20 || c >= 0x7f)) c = reader.read(s, end);
  let n = 0;
  while (c >= 0 && c !== 0x3a) {
    if (!isSchemeChar(c) || n === MAX_SCHEME) return false;
    buffer[n++] = foldAscii(c);
    c = readSignificant(s, end);
  }
  if (c !== 0x3a || n === 0) return false;
  for (const scheme of SCRIPT_SCHEMES) {
    if (n === scheme.length && bufferStartsWith(n, scheme)) return true;
  }
  return n === 4 && bufferStartsWith(n, 'data') && isActiveDataUrl(s, end);
}
