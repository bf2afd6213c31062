// An incremental, strict parser for HTTP/1.1 requests (RFC 9112), fed the bytes of one client
// connection as they arrive. It is the gateway's first line of defence against request
// smuggling, so it refuses every framing that two parsers could read differently: Content-Length
// with Transfer-Encoding, repeated or malformed Content-Length, any Transfer-Encoding but a
// single "chunked", Transfer-Encoding in HTTP/1.0, obsolete line folding, whitespace before a
// colon, bare CR or LF, NUL, bad chunk sizes. Everything is bounded: the request line, the head,
// the number of fields, chunk extensions and trailers.

export class RequestParseError extends Error {
  constructor(
    /** The status to answer with: 400, 414, 431 or 501. */
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestParseError';
  }
}

export interface RequestHead {
  readonly method: string;
  /** The request target as sent. */
  readonly url: string;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** Flat name/value list, names as sent. */
  readonly rawHeaders: string[];
  /** -1: chunked; otherwise the body length (0: no body). */
  readonly bodyLength: number;
  /** The client asked to keep the connection (by version and Connection). */
  readonly keepAlive: boolean;
  /** Connection: upgrade with an Upgrade field. */
  readonly upgrade: boolean;
  /** Expect: 100-continue. */
  readonly expectContinue: boolean;
  /** An Expect other than 100-continue (answered with 417). */
  readonly unsupportedExpect: boolean;
}

export interface RequestEvents {
  onHead(head: RequestHead): void;
  /** A piece of the (de-chunked) body; may be a view into the socket's data. */
  onBody(chunk: Buffer): void;
  onComplete(): void;
}

export interface RequestLimits {
  readonly maxHeadBytes: number;
  readonly maxUriBytes: number;
  readonly maxHeaderCount: number;
}

const enum State {
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  Done,
}

const MAX_METHOD = 32;
const MAX_CHUNK_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

function isToken(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** Visible ASCII only (no spaces, controls or bytes above 0x7e). */
function isTarget(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** Field values: no CR, LF or NUL (other controls are refused too, except tab). */
function isFieldValue(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

const bad = (message: string) => new RequestParseError(400, message);

export class RequestParser {
  private state = State.Head;
  private pending: Buffer | null = null;
  private remaining = 0;
  private trailerBytes = 0;

  constructor(
    private readonly events: RequestEvents,
    private readonly limits: RequestLimits,
  ) {}

  /** Ready for the next request on the same connection. */
  reset(): void {
    this.state = State.Head;
    this.remaining = 0;
    this.trailerBytes = 0;
    // `pending` is kept: it may already hold the start of the next (pipelined) request.
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** Between requests, with nothing of the next one received yet. */
  get idle(): boolean {
    return this.state === State.Head && this.pending === null;
  }

  /** Bytes received for a request head that is not complete yet. */
  get partialHead(): boolean {
    return this.state === State.Head && this.pending !== null;
  }

  /**
   * Feeds bytes; returns how many were used. It stops after a complete request (the rest, a
   * pipelined request, is left to the caller) and whenever `shouldStop()` says so (back-pressure).
   */
  feed(data: Buffer, shouldStop?: () => boolean): number {
    let off = 0;
    while (off < data.length && this.state !== State.Done) {
      if (shouldStop?.()) break;
      switch (this.state) {
        case State.Head:
          off = this.readHead(data, off);
          break;
        case State.Fixed: {
          const n = Math.min(this.remaining, data.length - off);
          this.remaining -= n;
          const piece = data.subarray(off, off + n);
          off += n;
          if (this.remaining === 0) this.state = State.Done;
          this.events.onBody(piece);
          if (this.state === State.Done) this.events.onComplete();
          break;
        }
        case State.ChunkSize:
          off = this.readChunkSize(data, off);
          break;
        case State.ChunkData: {
          const n = Math.min(this.remaining, data.length - off);
          this.remaining -= n;
          const piece = data.subarray(off, off + n);
          off += n;
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          this.events.onBody(piece);
          break;
        }
        case State.ChunkDataEnd:
          off = this.readLineEnd(data, off);
          break;
        case State.Trailers:
          off = this.readTrailers(data, off);
          break;
      }
    }
    return off;
  }

  private takeLine(data: Buffer, off: number, needle: string, limit: number, tooLong: () => RequestParseError): { buf: Buffer; end: number; next: number } | number {
    let buf: Buffer;
    let base: number;
    if (this.pending) {
      buf = Buffer.concat([this.pending, data.subarray(off)]);
      base = this.pending.length;
    } else {
      buf = off === 0 ? data : data.subarray(off);
      base = 0;
    }
    const end = buf.indexOf(needle, Math.max(0, base - needle.length + 1), 'latin1');
    if (end === -1 || end > limit) {
      if (end !== -1 || buf.length > limit) throw tooLong();
      this.pending = Buffer.from(buf);
      return data.length;
    }
    this.pending = null;
    return { buf, end, next: off + (end + needle.length - base) };
  }

  private readHead(data: Buffer, off: number): number {
    const limits = this.limits;
    const found = this.takeLine(data, off, '\r\n\r\n', limits.maxHeadBytes, () => {
      // Too long: the request line alone (414) or the head (431)?
      const buf = this.pending ? Buffer.concat([this.pending, data.subarray(off)]) : data.subarray(off);
      const eol = buf.indexOf('\r\n');
      return eol === -1 || eol > limits.maxUriBytes + MAX_METHOD + 12
        ? new RequestParseError(414, 'request line too long')
        : new RequestParseError(431, 'request head too large');
    });
    if (typeof found === 'number') {
      // Still incomplete: a request line longer than allowed need not wait for the rest, and a
      // head with bare LF line ends would otherwise wait for a CRLF CRLF that never comes.
      const p = this.pending!;
      if (p.length > limits.maxUriBytes + MAX_METHOD + 12 && p.indexOf('\r\n') === -1) throw new RequestParseError(414, 'request line too long');
      if (hasBareLf(p, p.length - (data.length - off))) throw bad('bare LF in the request head');
      return found;
    }
    const head = found.buf.toString('latin1', 0, found.end);
    // Leading empty lines before a request are tolerated (RFC 9112 §2.2), nothing else is.
    let lineStart = 0;
    while (head.startsWith('\r\n', lineStart)) lineStart += 2;
    let eol = head.indexOf('\r\n', lineStart);
    if (eol === -1) eol = head.length;
    if (!cleanLine(head, lineStart, eol)) throw bad('bare CR or LF in the request line');
    // request-line = method SP request-target SP HTTP-version
    const sp1 = head.indexOf(' ', lineStart);
    const sp2 = sp1 === -1 ? -1 : head.indexOf(' ', sp1 + 1);
    if (sp1 === -1 || sp2 === -1 || sp2 > eol || head.indexOf(' ', sp2 + 1) !== -1 && head.indexOf(' ', sp2 + 1) < eol) throw bad('malformed request line');
    if (sp1 - lineStart > MAX_METHOD || !isToken(head, lineStart, sp1)) throw bad('invalid method');
    if (!isTarget(head, sp1 + 1, sp2)) throw bad('invalid request target');
    if (sp2 - sp1 - 1 > limits.maxUriBytes) throw new RequestParseError(414, 'request target too long');
    if (eol - sp2 - 1 !== 8 || !head.startsWith('HTTP/1.', sp2 + 1)) throw bad('invalid HTTP version');
    const minorCode = head.charCodeAt(sp2 + 8);
    if (minorCode !== 0x30 && minorCode !== 0x31) throw bad('invalid HTTP version');
    const method = head.slice(lineStart, sp1);
    const url = head.slice(sp1 + 1, sp2);
    const minor = minorCode - 0x30;

    const rawHeaders: string[] = [];
    let contentLength = -1;
    let transferEncoding: string | undefined;
    let connection = '';
    let upgradeField = false;
    let expect: string | undefined;
    for (let start = eol + 2; start < head.length; ) {
      let end = head.indexOf('\r\n', start);
      if (end === -1) end = head.length;
      if (!cleanLine(head, start, end)) throw bad('bare CR or LF in the request head');
      const colon = head.indexOf(':', start);
      if (colon === -1 || colon > end) {
        const c = head.charCodeAt(start);
        throw bad(c === 0x20 || c === 0x09 ? 'obsolete line folding' : 'header line without a colon');
      }
      if (!isToken(head, start, colon)) throw bad('invalid header name');
      let vs = colon + 1;
      let ve = end;
      while (vs < ve && (head.charCodeAt(vs) === 0x20 || head.charCodeAt(vs) === 0x09)) vs++;
      while (ve > vs && (head.charCodeAt(ve - 1) === 0x20 || head.charCodeAt(ve - 1) === 0x09)) ve--;
      if (!isFieldValue(head, vs, ve)) throw bad('invalid character in a header value');
      const name = head.slice(start, colon);
      const value = head.slice(vs, ve);
      rawHeaders.push(name, value);
      if (rawHeaders.length > limits.maxHeaderCount * 2) throw new RequestParseError(431, 'too many header fields');
      start = end + 2;
      // Fields that frame the message or the connection, by length first.
      switch (name.length) {
        case 14:
          if (name.toLowerCase() === 'content-length') {
            if (contentLength !== -1) throw bad('duplicate Content-Length');
            if (!/^[0-9]{1,15}$/.test(value)) throw bad('invalid Content-Length');
            contentLength = Number(value);
          }
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') {
            if (transferEncoding !== undefined) throw bad('duplicate Transfer-Encoding');
            transferEncoding = value;
          }
          break;
        case 10:
          if (name.toLowerCase() === 'connection') connection = connection === '' ? value.toLowerCase() : `${connection},${value.toLowerCase()}`;
          break;
        case 7:
          if (name.toLowerCase() === 'upgrade') upgradeField = true;
          break;
        case 6:
          if (name.toLowerCase() === 'expect') expect = value.toLowerCase();
          break;
      }
    }

    let bodyLength = contentLength === -1 ? 0 : contentLength;
    if (transferEncoding !== undefined) {
      if (contentLength !== -1) throw bad('both Content-Length and Transfer-Encoding');
      if (minor === 0) throw bad('Transfer-Encoding in an HTTP/1.0 request');
      if (transferEncoding.toLowerCase() !== 'chunked') throw bad('unsupported Transfer-Encoding');
      bodyLength = -1;
    }
    const tokens = connection === '' ? [] : connection.split(',').map((t) => t.trim());
    const keepAlive = minor === 1 ? !tokens.includes('close') : tokens.includes('keep-alive');
    const head0: RequestHead = {
      method,
      url,
      versionMajor: 1,
      versionMinor: minor,
      rawHeaders,
      bodyLength,
      keepAlive,
      // An upgrade with a body is served as an ordinary request.
      upgrade: upgradeField && tokens.includes('upgrade') && bodyLength === 0,
      expectContinue: expect === '100-continue' && bodyLength !== 0,
      unsupportedExpect: expect !== undefined && expect !== '100-continue',
    };
    if (bodyLength === -1) this.state = State.ChunkSize;
    else if (bodyLength > 0) {
      this.remaining = bodyLength;
      this.state = State.Fixed;
    } else this.state = State.Done;
    this.events.onHead(head0);
    if (this.state === State.Done && !head0.upgrade) this.events.onComplete();
    return found.next;
  }

  private readChunkSize(data: Buffer, off: number): number {
    const found = this.takeLine(data, off, '\r\n', MAX_CHUNK_LINE, () => bad('chunk size line too long'));
    if (typeof found === 'number') return found;
    const line = found.buf.toString('latin1', 0, found.end);
    const semi = line.indexOf(';');
    const hex = semi === -1 ? line : line.slice(0, semi);
    if (!/^[0-9A-Fa-f]{1,13}$/.test(hex)) throw bad('invalid chunk size');
    if (semi !== -1 && !isFieldValue(line, semi, line.length)) throw bad('invalid chunk extension');
    const size = parseInt(hex, 16);
    if (size === 0) this.state = State.Trailers;
    else {
      this.remaining = size;
      this.state = State.ChunkData;
    }
    return found.next;
  }

  private readLineEnd(data: Buffer, off: number): number {
    const found = this.takeLine(data, off, '\r\n', 2, () => bad('chunk data longer than its size'));
    if (typeof found === 'number') return found;
    if (found.end !== 0) throw bad('chunk data longer than its size');
    this.state = State.ChunkSize;
    return found.next;
  }

  private readTrailers(data: Buffer, off: number): number {
    // Trailer fields are read and dropped: nothing downstream relies on them.
    const found = this.takeLine(data, off, '\r\n', MAX_TRAILER_BYTES, () => bad('trailers too long'));
    if (typeof found === 'number') return found;
    this.trailerBytes += found.end + 2;
    if (this.trailerBytes > MAX_TRAILER_BYTES) throw bad('trailers too long');
    if (found.end === 0) {
      this.state = State.Done;
      this.events.onComplete();
    } else {
      const line = found.buf.toString('latin1', 0, found.end);
      const colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line, 0, colon) || !isFieldValue(line, colon + 1, line.length)) throw bad('invalid trailer field');
    }
    return found.next;
  }
}

/** A LF not preceded by CR at or after `from`. */
function hasBareLf(buf: Buffer, from: number): boolean {
  for (let i = buf.indexOf(10, Math.max(0, from)); i !== -1; i = buf.indexOf(10, i + 1)) {
    if (i === 0 || buf[i - 1] !== 13) return true;
  }
  return false;
}

/** No CR or LF inside the line [start, end), which ends at a CRLF or the end of the head. */
function cleanLine(head: string, start: number, end: number): boolean {
  const cr = head.indexOf('\r', start);
  const lf = head.indexOf('\n', start);
  return end === head.length ? cr === -1 && lf === -1 : cr === end && lf === end + 1;
}
