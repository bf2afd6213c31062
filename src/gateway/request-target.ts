// The request target, split and normalised once, so that every decision (routes, ACLs, later the
// WAF) and the upstream see the same path. Without this, "/public/../admin", "/%61dmin" or
// "//admin" would slip past a rule on "/admin" and still reach the admin handler upstream.
//
// Normalisation (RFC 3986 §6.2.2): percent-encoded unreserved characters are decoded, the hex of
// the other escapes is upper-cased, dot segments are removed, and repeated slashes are merged. The
// normalised path is what is forwarded. Encoded "/" (%2F) stays encoded: it is data, not a separator.

export interface RequestTarget {
  /** Normalised path, starting with "/". */
  readonly path: string;
  /** The query string including its "?", or "". Forwarded unchanged. */
  readonly query: string;
  /** From an absolute-form target (http://host/path), the host it names. */
  readonly authority?: string;
}

export class TargetError extends Error {
  constructor(
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
  }
}

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const HEX = '0123456789ABCDEF';

/** Decodes %XX of unreserved characters, upper-cases other escapes, rejects bad ones. */
function normalizeEscapes(path: string): string {
  let out = '';
  let last = 0;
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', i + 1)) {
    const hi = hexValue(path.charCodeAt(i + 1));
    const lo = hexValue(path.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) throw new TargetError('invalid percent-encoding in path');
    const byte = hi * 16 + lo;
    if (byte === 0) throw new TargetError('encoded NUL in path');
    out += path.slice(last, i);
    out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[hi]}${HEX[lo]}`;
    last = i + 3;
    i += 2;
  }
  return out + path.slice(last);
}

/** RFC 3986 §5.2.4 on a path whose slashes are already merged. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  // segments[0] is "" (the path starts with "/").
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === '.') {
      if (i === segments.length - 1) out.push('');
    } else if (s === '..') {
      out.pop();
      if (i === segments.length - 1) out.push('');
    } else {
      out.push(s);
    }
  }
  return `/${out.join('/')}`;
}

/** True when the path needs none of the work above (the common case, checked in one pass). */
function isSimple(path: string): boolean {
  let prev = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x25 /* % */) return false;
    if (c === 0x2f /* / */ && prev === 0x2f) return false;
    if (c === 0x2e /* . */ && prev === 0x2f) return false;
    if (c <= 0x20 || c >= 0x7f) return false;
    prev = c;
  }
  return true;
}

export function normalizePath(rawPath: string): string {
  if (isSimple(rawPath)) return rawPath;
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) throw new TargetError('invalid character in path');
  }
  let path = normalizeEscapes(rawPath);
  path = path.replace(/\/{2,}/g, '/');
  if (path.includes('/.')) path = removeDotSegments(path);
  return path;
}

/**
 * Splits and normalises the request target. Origin form ("/a?b") is the norm; absolute form
 * ("http://host/a") is accepted as RFC 9112 requires; "*" and authority form are not for a gateway.
 */
export function parseRequestTarget(url: string, maxBytes: number): RequestTarget {
  if (url.length > maxBytes) throw new TargetError('request target too long', 414);
  let rest = url;
  let authority: string | undefined;
  if (url.charCodeAt(0) !== 0x2f /* / */) {
    const m = /^https?:\/\/([^/?#]+)(.*)$/i.exec(url);
    if (!m) throw new TargetError('unsupported request target');
    authority = m[1]!;
    if (authority.includes('@')) throw new TargetError('credentials in request target');
    rest = m[2] === '' ? '/' : m[2]!;
    if (rest.charCodeAt(0) !== 0x2f) rest = `/${rest}`;
  }
  if (rest.includes('#')) throw new TargetError('fragment in request target');
  const q = rest.indexOf('?');
  const rawPath = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q);
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) throw new TargetError('invalid character in query');
  }
  const path = normalizePath(rawPath);
  return authority === undefined ? { path, query } : { path, query, authority };
}
