// A lenient HTTP/1.x request reader: how a forgiving web server in front of ModSecurity hands a
// request to it. The request line is split on spaces and passed on as written (methods such as
// "|GET", versions such as "HTTP\1.0"); header lines are "name: value" (value trimmed of spaces
// and tabs; a line starting with whitespace continues the previous value; a line without a colon
// is dropped); lines may end in CRLF or LF; the body is framed by chunked coding (decoded) when
// Transfer-Encoding names it, else by the first Content-Length.

export interface LenientRequest {
  readonly method: string;
  /** The request target as sent. */
  readonly uri: string;
  /** The version token as sent ("HTTP/1.1", "HTTP\1.0", "" for an HTTP/0.9 request line). */
  readonly versionToken: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body, de-chunked (latin1 byte string). */
  readonly body: string;
}

export type LenientResult =
  | { readonly ok: true; readonly request: LenientRequest; readonly rest: number }
  | { readonly ok: false; readonly incomplete: boolean; readonly reason: string };

function lineEnd(s: string, from: number): { end: number; next: number } | undefined {
  const lf = s.indexOf('\n', from);
  if (lf === -1) return undefined;
  return { end: lf > from && s.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf, next: lf + 1 };
}

/** Reads one request from `bytes`. */
export function parseLenient(bytes: Buffer): LenientResult {
  const s = bytes.toString('latin1');
  let pos = 0;
  // Empty lines before the request line are skipped, as servers do.
  while (s.startsWith('\r\n', pos) || s.startsWith('\n', pos)) pos += s.startsWith('\r\n', pos) ? 2 : 1;
  const first = lineEnd(s, pos);
  if (!first) return { ok: false, incomplete: true, reason: 'no complete request line' };
  const requestLine = s.slice(pos, first.end);
  const words = requestLine.split(' ').filter((w) => w !== '');
  if (words.length < 2) return { ok: false, incomplete: false, reason: 'request line without a target' };
  const method = words[0]!;
  let versionToken = '';
  let targetWords = words.slice(1);
  if (words.length >= 3 && /^HTTP/i.test(words[words.length - 1]!)) {
    versionToken = words[words.length - 1]!;
    targetWords = words.slice(1, -1);
  }
  const uri = targetWords.join(' ');

  const headers: Array<[string, string]> = [];
  pos = first.next;
  let headEnded = false;
  while (pos <= s.length) {
    const l = lineEnd(s, pos);
    if (!l) break;
    const line = s.slice(pos, l.end);
    pos = l.next;
    if (line === '') {
      headEnded = true;
      break;
    }
    const c0 = line.charCodeAt(0);
    if ((c0 === 0x20 || c0 === 0x09) && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      last[1] = `${last[1]} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  if (!headEnded) return { ok: false, incomplete: true, reason: 'request head not terminated by an empty line' };

  const te = headers.find(([n]) => n.toLowerCase() === 'transfer-encoding')?.[1];
  if (te !== undefined && te.toLowerCase().includes('chunked')) {
    let body = '';
    for (;;) {
      const l = lineEnd(s, pos);
      if (!l) return { ok: false, incomplete: true, reason: 'chunked body ends before its last chunk' };
      const sizeText = s.slice(pos, l.end).split(';')[0]!.trim();
      if (!/^[0-9A-Fa-f]+$/.test(sizeText)) return { ok: false, incomplete: false, reason: `invalid chunk size "${sizeText.slice(0, 20)}"` };
      const size = parseInt(sizeText, 16);
      pos = l.next;
      if (size === 0) {
        // Trailers, up to an empty line (absent trailers: the empty line alone).
        for (;;) {
          const t = lineEnd(s, pos);
          if (!t) return { ok: false, incomplete: true, reason: 'chunked body without its final empty line' };
          const empty = t.end === pos;
          pos = t.next;
          if (empty) break;
        }
        break;
      }
      if (pos + size > s.length) return { ok: false, incomplete: true, reason: 'chunk data cut short' };
      body += s.slice(pos, pos + size);
      pos += size;
      if (s.startsWith('\r\n', pos)) pos += 2;
      else if (s.startsWith('\n', pos)) pos += 1;
    }
    return { ok: true, request: { method, uri, versionToken, headers, body }, rest: pos };
  }
  const cl = headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
  let length = 0;
  if (cl !== undefined) {
    const m = /^[0-9]+/.exec(cl.trim());
    length = m ? Number(m[0]) : 0;
  }
  if (pos + length > s.length) return { ok: false, incomplete: true, reason: `body shorter than its Content-Length (${s.length - pos} of ${length} bytes)` };
  return { ok: true, request: { method, uri, versionToken, headers, body: s.slice(pos, pos + length) }, rest: pos + length };
}
