// The boundary of a multipart/form-data Content-Type, checked the way ModSecurity v3 checks it
// (Multipart::init), flags and error messages included. The header is a byte string; like v3's
// C-string functions we stop reading it at a NUL byte.

import { isAlnum, isCSpace } from './multipart-chars.js';

export interface BoundaryInfo {
  /** The boundary, "" when `error` is set. */
  boundary: string;
  /** "Multipart: ..." as v3 words it, when the Content-Type is not acceptable. */
  error?: string;
  boundaryQuoted: number;
  boundaryWhitespace: number;
  missingSemicolon: number;
}

const MIME_TYPE = 'multipart/form-data';
/** Punctuation RFC 2046 allows in a boundary (page 22), as v3 lists it. */
const BOUNDARY_PUNCTUATION: ReadonlySet<number> = new Set(Array.from("'()+_,-./:=?", (ch) => ch.charCodeAt(0)));
/** v3 refuses Content-Type values longer than this (before looking at them). */
const MAX_HEADER_LENGTH = 1024;

/**
 * C's tolower() in the "C" locale changes A-Z only; toLowerCase() also changes latin-1 letters
 * (0xC0-0xDE), but never into ASCII, so searching for "boundary" gives the same answers.
 */
function asciiLower(s: string): string {
  return s.toLowerCase();
}

/**
 * v3's count_boundary_params: occurrences of "boundary" (any case) that have a '=' somewhere
 * after them, not necessarily right after (so "boundary123=x" counts, and so does a later
 * "charset=" after a "...formboundary..." value: a known v3 false positive we keep).
 */
export function countBoundaryParams(value: string): number {
  const lower = asciiLower(value);
  const lastEquals = lower.lastIndexOf('=');
  let count = 0;
  let from = 0;
  for (;;) {
    const at = lower.indexOf('boundary', from);
    if (at === -1) return count;
    from = at + 8;
    if (lastEquals >= from) count++;
  }
}

/** RFC 2046 boundary characters, with v3's rule that a space may not be the last one. */
export function boundaryCharactersValid(boundary: string): boolean {
  const last = boundary.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = boundary.charCodeAt(i);
    if (isAlnum(c) || (c === 0x20 && i !== last) || BOUNDARY_PUNCTUATION.has(c)) continue;
    return false;
  }
  return true;
}

function failure(message: string, flags: Omit<BoundaryInfo, 'boundary' | 'error'>): BoundaryInfo {
  return { boundary: '', error: message, ...flags };
}

/** Extracts and validates the boundary; never throws. */
export function extractBoundary(contentType: string): BoundaryInfo {
  const flags = { boundaryQuoted: 0, boundaryWhitespace: 0, missingSemicolon: 0 };
  if (contentType.length === 0) return failure('Multipart: Content-Type header not available.', flags);
  if (contentType.length > MAX_HEADER_LENGTH) return failure('Multipart: Invalid boundary in C-T (length).', flags);
  const nul = contentType.indexOf('\0');
  const header = nul === -1 ? contentType : contentType.slice(0, nul);
  if (asciiLower(header.slice(0, MIME_TYPE.length)) !== MIME_TYPE) return failure('Multipart: Invalid MIME type.', flags);
  if (countBoundaryParams(header) > 1) return failure('Multipart: Multiple boundary parameters in C-T.', flags);

  const at = header.indexOf('boundary'); // case-sensitive, as v3's strstr
  if (at === -1) {
    // "Allowed by the RFC but highly unusual", v3 says, and refuses it.
    if (countBoundaryParams(header) > 0) return failure('Multipart: Invalid boundary in C-T (case sensitivity).', flags);
    return failure('Multipart: Boundary not found in C-T.', flags);
  }

  // Between the MIME type and "boundary" only whitespace and one ';' may appear.
  let seenSemicolon = false;
  for (let i = MIME_TYPE.length; i < at; i++) {
    const c = header.charCodeAt(i);
    if (isCSpace(c)) continue;
    if (!seenSemicolon && c === 0x3b) seenSemicolon = true;
    else return failure('Multipart: Invalid boundary in C-T (malformed).', flags);
  }
  if (!seenSemicolon) flags.missingSemicolon = 1;

  const equals = header.indexOf('=', at + 8);
  if (equals === -1) return failure('Multipart: Invalid boundary in C-T (malformed).', flags);
  for (let i = at + 8; i < equals; i++) {
    if (isCSpace(header.charCodeAt(i))) flags.boundaryWhitespace = 1;
    else return failure('Multipart: Invalid boundary in C-T (parameter name).', flags);
  }

  const raw = header.slice(equals + 1);
  if (raw.length > 0 && isCSpace(raw.charCodeAt(0))) flags.boundaryWhitespace = 1;
  let boundary: string;
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    boundary = raw.slice(1, -1);
    // v3 returns false here without a message, so the body is silently not parsed at all (no
    // REQBODY_ERROR). We refuse it with v3's own "(empty)" message instead: an unparsed body
    // must not pass as a clean one.
    if (boundary.length === 0) return failure('Multipart: Invalid boundary in C-T (empty).', flags);
    flags.boundaryQuoted = 1;
  } else {
    if (raw.startsWith('"') || (raw.length >= 2 && raw.endsWith('"'))) {
      return failure('Multipart: Invalid boundary in C-T (quote).', flags);
    }
    boundary = raw;
    if (boundary.length === 0) return failure('Multipart: Invalid boundary in C-T (empty).', flags); // see above
  }

  if (countBoundaryParams(boundary) !== 0) return failure('Multipart: Invalid boundary in C-T (content).', flags);
  // v3 tolerates a parameter after the boundary (some frameworks add "; charset=...").
  if (!boundaryCharactersValid(boundary)) {
    const semicolon = boundary.indexOf(';');
    if (semicolon !== -1) boundary = boundary.slice(0, semicolon);
  }
  if (!boundaryCharactersValid(boundary)) return failure('Multipart: Invalid boundary in C-T (characters).', flags);
  if (boundary.length === 0) return failure('Multipart: Invalid boundary in C-T (empty).', flags);
  return { boundary, ...flags };
}
