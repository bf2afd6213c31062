// The bytes go-ftw puts on the wire for a stage (ftwhttp.BuildRequest and the runner around it):
//
//   - `encoded_request` (base64) is sent as decoded, nothing added; `raw_request` likewise;
//   - otherwise "METHOD URI VERSION\r\n" (defaults GET, "/", HTTP/1.1), the headers in order
//     ("Name: Value\r\n", a `headers` map sorted by name), "\r\n", and the data;
//   - with autocomplete_headers (the default) and data: Content-Type defaults to
//     application/x-www-form-urlencoded, and form data that is not already escaped is
//     url-encoded pair by pair (key=value, "&" kept); then Connection: close and Content-Length
//     are added when missing (Content-Length also for an empty body when the method "has a
//     body" by go-ftw's regex, which is `^POST|PUT|PATCH|DELETE$`, alternation and all);
//   - multipart/form-data bodies get every LF turned into CRLF (also when autocomplete is off,
//     and also an LF that already followed a CR, as bytes.ReplaceAll does).
//
// Header names are compared as Go's textproto canonical keys. Everything the YAML gave as text is
// sent as its UTF-8 bytes, as Go strings are.
import { executeTemplate, goQueryEscape, hasTemplateActions, TemplateError } from './go-template.js';
import type { HeaderTuple, StageInput } from './types.js';

export class RequestBuildError extends Error {
  override name = 'RequestBuildError';
}

export interface BuiltRequest {
  /** The request bytes as sent. */
  readonly bytes: Buffer;
  /** Things the builder did that a reader of a failure should know (e.g. a template problem). */
  readonly notes: readonly string[];
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Go's textproto.CanonicalMIMEHeaderKey: "content-type" → "Content-Type"; invalid names unchanged. */
export function canonicalHeaderKey(name: string): string {
  if (!TCHAR.test(name)) return name;
  let out = '';
  let upper = true;
  for (const c of name) {
    out += upper ? c.toUpperCase() : c.toLowerCase();
    upper = c === '-';
  }
  return out;
}

class Headers {
  readonly entries: HeaderTuple[];
  constructor(entries: readonly HeaderTuple[]) {
    this.entries = entries.map((e) => ({ name: e.name, value: e.value }));
  }
  hasAny(name: string): boolean {
    const key = canonicalHeaderKey(name);
    return this.entries.some((e) => canonicalHeaderKey(e.name) === key);
  }
  /** Exact value, ASCII case-insensitively (strings.EqualFold). */
  hasValue(name: string, value: string): boolean {
    const key = canonicalHeaderKey(name);
    const v = value.toLowerCase();
    return this.entries.some((e) => canonicalHeaderKey(e.name) === key && e.value.toLowerCase() === v);
  }
  hasValueContaining(name: string, needle: string): boolean {
    const key = canonicalHeaderKey(name);
    const n = needle.toLowerCase();
    return this.entries.some((e) => canonicalHeaderKey(e.name) === key && e.value.toLowerCase().includes(n));
  }
  add(name: string, value: string): void {
    this.entries.push({ name, value });
  }
}

/** Go's base64.StdEncoding.DecodeString: padding required, CR and LF ignored, nothing else. */
export function decodeStdBase64(text: string): Buffer {
  const s = text.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
    throw new RequestBuildError('illegal base64 data');
  }
  return Buffer.from(s, 'base64');
}

/** Go's url.QueryUnescape, returning undefined where Go returns an error. */
export function goQueryUnescape(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else if (c === '+') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * go-ftw's encodeDataParameters for form data: when unescaping changes nothing (no "%" and no
 * "+"), each "&"-separated token is escaped as key=value (or as a whole when it has no "="), and
 * a trailing "&" disappears.
 */
export function encodeFormData(data: Buffer): Buffer {
  if (data.length === 0) return data;
  const text = data.toString('latin1');
  if (goQueryUnescape(text) !== text) return data;
  const parts: string[] = [];
  let rest = data;
  while (rest.length > 0) {
    const amp = rest.indexOf(0x26);
    const token = amp === -1 ? rest : rest.subarray(0, amp);
    rest = amp === -1 ? Buffer.alloc(0) : rest.subarray(amp + 1);
    const eq = token.indexOf(0x3d);
    parts.push(eq === -1 ? goQueryEscape(token) : `${goQueryEscape(token.subarray(0, eq))}=${goQueryEscape(token.subarray(eq + 1))}`);
  }
  return Buffer.from(parts.join('&'), 'latin1');
}

const METHODS_WITH_BODY = /^POST|PUT|PATCH|DELETE$/;

function replaceLfWithCrlf(data: Buffer): Buffer {
  if (data.indexOf(0x0a) === -1) return data;
  const pieces: Buffer[] = [];
  let from = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) {
    pieces.push(data.subarray(from, i), Buffer.from('\r\n', 'latin1'));
    from = i + 1;
  }
  pieces.push(data.subarray(from));
  return Buffer.concat(pieces);
}

/** The stage's body as go-ftw's GetData gives it (data through the template engine, or encoded_data). */
function stageData(input: StageInput, notes: string[]): Buffer {
  if (input.data !== undefined) {
    if (!hasTemplateActions(input.data)) return Buffer.from(input.data, 'utf8');
    try {
      return Buffer.from(executeTemplate(input.data), 'utf8');
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      // go-ftw logs the template error and sends no data at all.
      notes.push(`data template not executed (${err.message}); sent without data, as go-ftw does`);
      return Buffer.alloc(0);
    }
  }
  if (input.encodedData !== undefined) {
    try {
      return decodeStdBase64(input.encodedData);
    } catch {
      notes.push('encoded_data is not valid base64; sent without data, as go-ftw does');
      return Buffer.alloc(0);
    }
  }
  return Buffer.alloc(0);
}

/** Builds the request bytes of one stage. Throws RequestBuildError where go-ftw stops the run. */
export function buildRequest(input: StageInput): BuiltRequest {
  const notes: string[] = [];
  if (input.data !== undefined && input.data !== '' && input.encodedRequest) {
    throw new RequestBuildError("'data' and 'encoded_request' must not be set simultaneously");
  }
  if (input.encodedRequest) {
    return { bytes: decodeStdBase64(input.encodedRequest), notes };
  }
  if (input.rawRequest) {
    return { bytes: Buffer.from(input.rawRequest, 'utf8'), notes };
  }
  const method = input.method ?? 'GET';
  const uri = input.uri ?? '/';
  const version = input.version ?? 'HTTP/1.1';
  const headers = new Headers(input.orderedHeaders ?? input.headers ?? []);
  let data = stageData(input, notes);

  if (data.length > 0 && input.autocompleteHeaders) {
    if (!headers.hasAny('Content-Type')) headers.add('Content-Type', 'application/x-www-form-urlencoded');
    if (headers.hasValue('Content-Type', 'application/x-www-form-urlencoded')) data = encodeFormData(data);
  }
  if (headers.hasValueContaining('Content-Type', 'multipart/form-data;')) data = replaceLfWithCrlf(data);
  if (input.autocompleteHeaders) {
    if (!headers.hasAny('Connection')) headers.add('Connection', 'close');
    if (!headers.hasAny('Content-Length') && (data.length > 0 || METHODS_WITH_BODY.test(method))) {
      headers.add('Content-Length', String(data.length));
    }
  }
  let head = `${method} ${uri} ${version}\r\n`;
  for (const h of headers.entries) head += `${h.name}: ${h.value}\r\n`;
  head += '\r\n';
  return { bytes: Buffer.concat([Buffer.from(head, 'utf8'), data]), notes };
}
