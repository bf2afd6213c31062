// The backend behind the WAF, as the CRS test setup runs it: albedo (github.com/coreruleset/albedo).
//
//   POST /reflect (or /reflect/...) with a JSON body {status, headers, body | encodedBody} answers
//   with that status, those headers and that body (field names matched case-insensitively, as
//   Go's encoding/json does); an invalid JSON body or a status outside 100-599 gets a 400.
//   Any other request gets a 200 without a body.
//
// Albedo is a Go net/http server, so a response without a Content-Type gets one sniffed from its
// first bytes (http.DetectContentType: "text/html; charset=utf-8", "text/plain; charset=utf-8",
// ...), which decides whether the WAF inspects the body (SecResponseBodyMimeType). Responses are
// given a Content-Length and a Date, as Go adds them.

import { STATUS_CODES } from 'node:http';

export interface BackendRequest {
  readonly method: string;
  readonly uri: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Latin1 byte string. */
  readonly body: string;
}

export interface BackendResponse {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Latin1 byte string. */
  readonly body: string;
}

export type Backend = (req: BackendRequest) => BackendResponse;

/** The status line's reason phrase (Node's table; nothing judges it). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? '';
}

// -------------------------------------------------------------------------------------------------
// Go's http.DetectContentType (the WHATWG sniffing subset Go implements), on the first 512 bytes.

const WS = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const HTML_TAGS = ['<!DOCTYPE HTML', '<HTML', '<HEAD', '<SCRIPT', '<IFRAME', '<H1', '<DIV', '<FONT', '<TABLE', '<A', '<STYLE', '<TITLE', '<B', '<BODY', '<BR', '<P', '<!--'];
const EXACT: ReadonlyArray<readonly [string, string]> = [
  ['%PDF-', 'application/pdf'],
  ['%!PS-Adobe-', 'application/postscript'],
  ['\xFE\xFF', 'text/plain; charset=utf-16be'],
  ['\xFF\xFE', 'text/plain; charset=utf-16le'],
  ['\xEF\xBB\xBF', 'text/plain; charset=utf-8'],
  ['\x00\x00\x01\x00', 'image/x-icon'],
  ['\x00\x00\x02\x00', 'image/x-icon'],
  ['BM', 'image/bmp'],
  ['GIF87a', 'image/gif'],
  ['GIF89a', 'image/gif'],
  ['\x89PNG\x0D\x0A\x1A\x0A', 'image/png'],
  ['\xFF\xD8\xFF', 'image/jpeg'],
  ['OggS\x00', 'application/ogg'],
  ['MThd\x00\x00\x00\x06', 'audio/midi'],
  ['ID3', 'audio/mpeg'],
  ['\x1F\x8B\x08', 'application/x-gzip'],
  ['PK\x03\x04', 'application/zip'],
  ['Rar!\x1A\x07\x00', 'application/x-rar-compressed'],
  ['Rar!\x1A\x07\x01\x00', 'application/x-rar-compressed'],
  ['\x00\x61\x73\x6D', 'application/wasm'],
];

function isBinaryByte(c: number): boolean {
  return c <= 0x08 || c === 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f);
}

export function detectContentType(body: string): string {
  const data = body.length > 512 ? body.slice(0, 512) : body;
  let start = 0;
  while (start < data.length && WS.has(data.charCodeAt(start))) start++;
  for (const tag of HTML_TAGS) {
    if (data.length - start < tag.length + 1) continue;
    let ok = true;
    for (let i = 0; i < tag.length && ok; i++) {
      let c = data.charCodeAt(start + i);
      const t = tag.charCodeAt(i);
      if (t >= 0x41 && t <= 0x5a) c &= 0xdf;
      ok = c === t;
    }
    const after = data.charCodeAt(start + tag.length);
    if (ok && (after === 0x20 || after === 0x3e)) return 'text/html; charset=utf-8';
  }
  if (data.startsWith('<?xml', start)) return 'text/xml; charset=utf-8';
  for (const [sig, type] of EXACT) if (data.startsWith(sig)) return type;
  if (data.length >= 12 && data.startsWith('RIFF') && data.startsWith('WEBPVP', 8)) return 'image/webp';
  for (let i = 0; i < data.length; i++) if (isBinaryByte(data.charCodeAt(i))) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}

// -------------------------------------------------------------------------------------------------

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function httpDate(now: Date): string {
  return now.toUTCString();
}

/** Writes a response as Go's net/http would: sniffed Content-Type, Content-Length, Date. */
export function goResponse(status: number, headers: ReadonlyArray<readonly [string, string]>, body: string, method: string): BackendResponse {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    // Go drops fields with invalid names and turns CR/LF in values into spaces.
    if (!TOKEN.test(name)) continue;
    out.push([name, value.replace(/[\r\n]/g, ' ')]);
  }
  const noBody = status < 200 || status === 204 || status === 304;
  const sentBody = noBody ? '' : body;
  const has = (n: string) => out.some(([k]) => k.toLowerCase() === n);
  if (!noBody && sentBody.length > 0 && !has('content-type')) out.push(['Content-Type', detectContentType(sentBody)]);
  out.push(['Date', httpDate(new Date())]);
  if (!noBody && !has('content-length')) out.push(['Content-Length', String(sentBody.length)]);
  return { status, headers: out, body: method === 'HEAD' ? '' : sentBody };
}

function targetPath(uri: string): string {
  let u = uri;
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(u);
  if (abs) u = u.slice(abs[0].length) || '/';
  const end = u.search(/[?#]/);
  return end === -1 ? u : u.slice(0, end);
}

/** A JSON field by name, case-insensitively, the last one winning (encoding/json's rule). */
function field(obj: Record<string, unknown>, name: string): unknown {
  let found: unknown = undefined;
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === name.toLowerCase() && v !== null) found = v;
  return found;
}

function badRequest(text: string, method: string): BackendResponse {
  return goResponse(400, [], text, method);
}

/** Answers /reflect from its JSON specification. */
function reflect(req: BackendRequest): BackendResponse {
  let spec: unknown;
  try {
    spec = JSON.parse(Buffer.from(req.body, 'latin1').toString('utf8'));
  } catch {
    return badRequest('Invalid JSON in request body', req.method);
  }
  if (spec === null) spec = {};
  if (typeof spec !== 'object' || Array.isArray(spec)) return badRequest('Invalid JSON in request body', req.method);
  const o = spec as Record<string, unknown>;
  const status = field(o, 'status');
  const headers = field(o, 'headers');
  const body = field(o, 'body');
  const encodedBody = field(o, 'encodedBody');
  if (status !== undefined && !(typeof status === 'number' && Number.isInteger(status))) return badRequest('Invalid JSON in request body', req.method);
  if (headers !== undefined && (typeof headers !== 'object' || Array.isArray(headers) || Object.values(headers as object).some((v) => v !== null && typeof v !== 'string'))) {
    return badRequest('Invalid JSON in request body', req.method);
  }
  if ((body !== undefined && typeof body !== 'string') || (encodedBody !== undefined && typeof encodedBody !== 'string')) {
    return badRequest('Invalid JSON in request body', req.method);
  }
  const code = (status) ?? 0;
  if ((code > 0 && code < 100) || code >= 600 || code < 0) return badRequest(`Invalid status code: ${code}`, req.method);
  let text = '';
  if (typeof body === 'string' && body !== '') text = Buffer.from(body, 'utf8').toString('latin1');
  else if (typeof encodedBody === 'string' && encodedBody !== '') {
    if (!/^[A-Za-z0-9+/\r\n]*=*$/.test(encodedBody)) return badRequest('invalid base64 encoding of response body', req.method);
    text = Buffer.from(encodedBody, 'base64').toString('latin1');
  }
  const list: Array<[string, string]> = Object.entries((headers as Record<string, string | null> | undefined) ?? {})
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => [Buffer.from(k, 'utf8').toString('latin1'), Buffer.from(v, 'utf8').toString('latin1')]);
  return goResponse(code === 0 ? 200 : code, list, text, req.method);
}

/** Albedo's behaviour, as described above. */
export const albedoBackend: Backend = (req) => {
  const p = targetPath(req.uri);
  if (req.method === 'POST' && (p === '/reflect' || p.startsWith('/reflect/'))) return reflect(req);
  return goResponse(200, [], '', req.method);
};

/** The response as the client reads it (status line, headers, body). */
export function rawResponse(res: BackendResponse): string {
  let s = `HTTP/1.1 ${res.status} ${reasonPhrase(res.status)}\r\n`;
  for (const [k, v] of res.headers) s += `${k}: ${v}\r\n`;
  return `${s}\r\n${res.body}`;
}
