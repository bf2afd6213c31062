// Brings an XML body to UTF-8 bytes, as libxml2 does before ModSecurity sees any content (node
// content is always UTF-8 there): a BOM or the first bytes pick UTF-16, otherwise the XML
// declaration's encoding="..." decides, UTF-8 by default. UTF-8 input is checked strictly (libxml2
// refuses malformed UTF-8); other encodings go through the platform's TextDecoder.

import { TextDecoder } from 'node:util';

/** The body as UTF-8 bytes (a byte string), or an error message. */
export type EncodedXml = { text: string; error?: undefined } | { text?: undefined; error: string };

/** The first invalid position of `s` as UTF-8 (overlong, surrogate, > U+10FFFF refused), or -1. */
export function invalidUtf8At(s: string): number {
  const len = s.length;
  let i = 0;
  while (i < len) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = s.charCodeAt(i + k);
      if (!(d >= 0x80 && d <= 0xbf)) return i; // NaN past the end fails too
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** UTF-8 bytes of a code point, as a byte string. */
export function utf8Encode(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/** Decodes bytes with a TextDecoder label and re-encodes them as a UTF-8 byte string. */
function transcode(bytes: string, label: string): EncodedXml {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    return { error: `Unsupported encoding ${label}` };
  }
  try {
    const decoded = decoder.decode(Buffer.from(bytes, 'latin1'));
    return { text: Buffer.from(decoded, 'utf8').toString('latin1') };
  } catch {
    return { error: `Input is not proper ${label}` };
  }
}

/** The encoding named in a leading XML declaration, if any. */
function declaredEncoding(text: string): string | undefined {
  if (!text.startsWith('<?xml')) return undefined;
  const end = text.indexOf('?>');
  const decl = text.slice(0, end === -1 ? Math.min(text.length, 256) : end);
  const m = /\sencoding\s*=\s*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)')/.exec(decl);
  return m ? (m[1] ?? m[2]) : undefined;
}

const LATIN1_LABELS: ReadonlySet<string> = new Set(['iso-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'l1', 'iso_8859-1']);

const CP1252_LABELS: ReadonlySet<string> = new Set(['windows-1252', 'cp1252', 'x-cp1252']);
/** Windows-1252 for 0x80-0x9F (0 where the code page has no character: those stay as they are). */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/** Bytes in windows-1252 as a JS (UTF-16) string. */
function fromCp1252(bytes: string): string {
  return bytes.replace(/[\x80-\x9f]/g, (ch) => {
    const mapped = CP1252_HIGH[ch.charCodeAt(0) - 0x80] ?? 0;
    return mapped === 0 ? ch : String.fromCharCode(mapped);
  });
}

function isUtf8Label(label: string): boolean {
  const l = label.toLowerCase();
  return l === 'utf-8' || l === 'utf8';
}

/** Normalises `body` (a byte string) to UTF-8 bytes without a BOM. */
export function toUtf8(body: string): EncodedXml {
  const b0 = body.charCodeAt(0);
  const b1 = body.charCodeAt(1);
  if (b0 === 0xfe && b1 === 0xff) return transcode(body.slice(2), 'utf-16be');
  if (b0 === 0xff && b1 === 0xfe) return transcode(body.slice(2), 'utf-16le');
  if (b0 === 0x00 && b1 === 0x3c) return transcode(body, 'utf-16be');
  if (b0 === 0x3c && b1 === 0x00) return transcode(body, 'utf-16le');
  const text = b0 === 0xef && b1 === 0xbb && body.charCodeAt(2) === 0xbf ? body.slice(3) : body;
  const label = declaredEncoding(text);
  if (label !== undefined && !isUtf8Label(label) && !label.toLowerCase().startsWith('utf-16')) {
    const l = label.toLowerCase();
    // WHATWG TextDecoder maps "iso-8859-1" to windows-1252; libxml2 maps the bytes straight to
    // U+0000..U+00FF, which is what a byte string already is.
    if (LATIN1_LABELS.has(l)) return { text: Buffer.from(text, 'utf8').toString('latin1') };
    // Node's TextDecoder decodes windows-1252 as ISO-8859-1 (a fast path), so map 0x80-0x9F here.
    if (CP1252_LABELS.has(l)) return { text: Buffer.from(fromCp1252(text), 'utf8').toString('latin1') };
    if (l === 'us-ascii' || l === 'ascii') {
      return /[\x80-\xff]/.test(text) ? { error: 'Input is not proper US-ASCII' } : { text };
    }
    return transcode(text, label);
  }
  if (invalidUtf8At(text) !== -1) return { error: 'Input is not proper UTF-8, indicate encoding !' };
  return { text };
}
