// An incremental, strict parser for HTTP/1.1 responses from upstreams (RFC 9112). It is fed the
// bytes of one connection as they arrive and calls back with the head, body pieces and the end.
//
// Strict where ambiguity could desynchronise the connection (response splitting, smuggling back
// towards clients): Content-Length together with Transfer-Encoding, conflicting Content-Length
// values, malformed chunk sizes, header names with spaces, obsolete line folding, bare CR/LF and
// NUL are errors, and the connection is never reused after one. 1xx interim responses are
// skipped. Everything is bounded: the head, the number of header fields, chunk extensions and
// trailers.

import { FIELD_STRIDE, ResponseHead, sameLower } from './response-head.js';

export class UpstreamProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamProtocolError';
  }
}

export interface ResponseEvents {
  /** The final (non-1xx) head: status and fields, read lazily from the validated text. */
  onHead(head: ResponseHead): void;
  /**
   * A piece of the (de-chunked) body. The buffer may be a view into the socket's data. `last`:
   * it completes a body of declared length (onComplete follows at once).
   */
  onBody(chunk: Buffer, last: boolean): void;
  /** The response is complete; `reusable`: the connection may carry another request. */
  onComplete(reusable: boolean): void;
}

const enum State {
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

export const MAX_HEAD_BYTES = 64 * 1024;
export const MAX_HEADER_FIELDS = 256;
const MAX_CHUNK_LINE = 4096;
/** Field positions of the head being read (heads are read synchronously, one at a time). */
const FIELDS = new Int32Array(MAX_HEADER_FIELDS * FIELD_STRIDE);
const MAX_TRAILER_BYTES = 16 * 1024;

/** tchar (RFC 9110 §5.6.2), by character code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
function isToken(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return end > start;
}
/**
 * The line starting at `start` ends at `end` (a CRLF, or the end of the head) with no CR or LF
 * inside it: a bare CR or LF would let a field value carry a line of its own.
 */
function cleanLine(head: string, start: number, end: number): boolean {
  const cr = head.indexOf('\r', start);
  const lf = head.indexOf('\n', start);
  return end === head.length ? cr === -1 && lf === -1 : cr === end && lf === end + 1;
}

export class ResponseParser {
  private state = State.Head;
  /** Bytes of an unfinished head or chunk line, kept between feeds. */
  private pending: Buffer | null = null;
  private remaining = 0;
  private keepAlive = true;
  private trailerBytes = 0;
  /** The request was HEAD: the response has no body whatever its headers say. */
  private noBody = false;

  constructor(private readonly events: ResponseEvents) {}

  /** Prepares for the response to a new request on the same connection. */
  reset(headRequest: boolean): void {
    this.state = State.Head;
    this.pending = null;
    this.remaining = 0;
    this.keepAlive = true;
    this.trailerBytes = 0;
    this.noBody = headRequest;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** True while the body runs until the connection closes (no length was given). */
  get untilClose(): boolean {
    return this.state === State.UntilClose;
  }

  /**
   * Feeds bytes; returns how many were consumed. Bytes after a complete response are left
   * (a well-behaved upstream sends none: we never pipeline).
   */
  feed(data: Buffer): number {
    let off = 0;
    while (off < data.length && this.state !== State.Done) {
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
          this.events.onBody(piece, this.state === State.Done);
          if (this.state === State.Done) this.events.onComplete(this.keepAlive);
          break;
        }
        case State.UntilClose: {
          const piece = off === 0 ? data : data.subarray(off);
          off = data.length;
          this.events.onBody(piece, false);
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
          this.events.onBody(piece, false);
          break;
        }
        case State.ChunkDataEnd:
          off = this.readChunkEnd(data, off);
          break;
        case State.Trailers:
          off = this.readTrailers(data, off);
          break;
      }
    }
    return off;
  }

  /** The connection closed: completes a close-delimited body, or says what was cut short. */
  finish(): void {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      this.events.onComplete(false);
      return;
    }
    if (this.state !== State.Done) throw new UpstreamProtocolError(this.state === State.Head ? 'connection closed before a response' : 'connection closed in the middle of the body');
  }

  /** Joins kept bytes with new ones and finds `needle` in the result. */
  private takeLine(data: Buffer, off: number, needle: string, limit: number, what: string): { buf: Buffer; end: number; next: number } | number {
    let buf: Buffer;
    let base: number;
    if (this.pending) {
      buf = Buffer.concat([this.pending, data.subarray(off)]);
      base = this.pending.length;
    } else {
      buf = off === 0 ? data : data.subarray(off);
      base = 0;
    }
    // Search from a little before the new bytes, in case the needle straddles the boundary.
    const end = buf.indexOf(needle, Math.max(0, base - needle.length + 1), 'latin1');
    if (end === -1) {
      if (buf.length > limit) throw new UpstreamProtocolError(`${what} too long`);
      this.pending = Buffer.from(buf);
      return data.length;
    }
    if (end > limit) throw new UpstreamProtocolError(`${what} too long`);
    this.pending = null;
    // Offset in `data` just after the needle.
    const next = off + (end + needle.length - base);
    return { buf, end, next };
  }

  private readHead(data: Buffer, off: number): number {
    const found = this.takeLine(data, off, '\r\n\r\n', MAX_HEAD_BYTES, 'response head');
    if (typeof found === 'number') return found;
    const head = found.buf.toString('latin1', 0, found.end);
    if (head.indexOf('\0') !== -1) throw new UpstreamProtocolError('NUL in response head');
    let eol = head.indexOf('\r\n');
    if (eol === -1) eol = head.length;
    // "HTTP/1.x NNN[ reason]": checked by position, the reason phrase is not used.
    if (!head.startsWith('HTTP/1.') || eol < 12 || (eol > 12 && head.charCodeAt(12) !== 0x20) || head.charCodeAt(8) !== 0x20) {
      throw new UpstreamProtocolError('invalid status line');
    }
    const minorCode = head.charCodeAt(7);
    const d0 = head.charCodeAt(9) - 48;
    const d1 = head.charCodeAt(10) - 48;
    const d2 = head.charCodeAt(11) - 48;
    if ((minorCode !== 0x30 && minorCode !== 0x31) || d0 < 0 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      throw new UpstreamProtocolError('invalid status line');
    }
    const minor = minorCode - 0x30;
    const status = d0 * 100 + d1 * 10 + d2;
    if (!cleanLine(head, 0, eol)) throw new UpstreamProtocolError('bare CR or LF in response head');
    if (status < 100) throw new UpstreamProtocolError('invalid status code');
    // Per field: line start, colon, value start, value end, line end (see ResponseHead). Only the
    // framing fields' values are sliced here; the rest stay text until someone asks.
    let n = 0;
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let connectionClose = minor === 0;
    // One pass over the header lines, by index (no intermediate arrays of lines).
    for (let start = eol + 2; start < head.length; ) {
      let end = head.indexOf('\r\n', start);
      if (end === -1) end = head.length;
      if (!cleanLine(head, start, end)) throw new UpstreamProtocolError('bare CR or LF in response head');
      const colon = head.indexOf(':', start);
      if (colon <= start || colon > end) {
        const c = head.charCodeAt(start);
        throw new UpstreamProtocolError(c === 0x20 || c === 0x09 ? 'obsolete line folding' : 'invalid header line');
      }
      if (!isToken(head, start, colon)) throw new UpstreamProtocolError('invalid header name');
      let vs = colon + 1;
      let ve = end;
      while (vs < ve && (head.charCodeAt(vs) === 0x20 || head.charCodeAt(vs) === 0x09)) vs++;
      while (ve > vs && (head.charCodeAt(ve - 1) === 0x20 || head.charCodeAt(ve - 1) === 0x09)) ve--;
      if (n === MAX_HEADER_FIELDS * FIELD_STRIDE) throw new UpstreamProtocolError('too many response header fields');
      FIELDS[n++] = start;
      FIELDS[n++] = colon;
      FIELDS[n++] = vs;
      FIELDS[n++] = ve;
      FIELDS[n++] = end;
      const nameLength = colon - start;
      const lineStart = start;
      start = end + 2;
      // Framing headers, by length first.
      if (nameLength === 14 && sameLower(head, lineStart, 'content-length')) {
        const value = head.slice(vs, ve);
        if (!/^[0-9]{1,15}$/.test(value)) throw new UpstreamProtocolError('invalid Content-Length');
        const n = Number(value);
        if (contentLength !== -1 && contentLength !== n) throw new UpstreamProtocolError('conflicting Content-Length');
        contentLength = n;
      } else if (nameLength === 17 && sameLower(head, lineStart, 'transfer-encoding')) {
        transferEncoding = true;
        const codings = head.slice(vs, ve).toLowerCase().split(',');
        chunked = codings[codings.length - 1]!.trim() === 'chunked';
      } else if (nameLength === 10 && sameLower(head, lineStart, 'connection')) {
        const v = head.slice(vs, ve).toLowerCase();
        if (v.includes('close')) connectionClose = true;
        else if (minor === 0 && v.includes('keep-alive')) connectionClose = false;
      }
    }
    if (transferEncoding && contentLength !== -1) throw new UpstreamProtocolError('both Content-Length and Transfer-Encoding');
    const next = found.next;
    if (status < 200) {
      if (status === 101) throw new UpstreamProtocolError('unexpected 101 Switching Protocols');
      // Interim response (100 Continue, 103 Early Hints): the real one follows.
      return next;
    }
    this.keepAlive = !connectionClose;
    // Copied into a plain array: slicing a typed array allocates a backing store, ten times the
    // cost of this loop for a head's few dozen numbers.
    const at = new Array<number>(n);
    for (let i = 0; i < n; i++) at[i] = FIELDS[i]!;
    this.events.onHead(new ResponseHead(status, head, at, contentLength));
    if (this.noBody || status === 204 || status === 304) {
      this.finishNow();
    } else if (transferEncoding) {
      if (chunked) this.state = State.ChunkSize;
      else {
        this.keepAlive = false;
        this.state = State.UntilClose;
      }
    } else if (contentLength >= 0) {
      this.remaining = contentLength;
      if (contentLength === 0) this.finishNow();
      else this.state = State.Fixed;
    } else {
      this.keepAlive = false;
      this.state = State.UntilClose;
    }
    return next;
  }

  private finishNow(): void {
    this.state = State.Done;
    this.events.onComplete(this.keepAlive);
  }

  private readChunkSize(data: Buffer, off: number): number {
    const found = this.takeLine(data, off, '\r\n', MAX_CHUNK_LINE, 'chunk size line');
    if (typeof found === 'number') return found;
    const line = found.buf.toString('latin1', 0, found.end);
    const semi = line.indexOf(';');
    const hex = (semi === -1 ? line : line.slice(0, semi)).trimEnd();
    if (!/^[0-9A-Fa-f]{1,13}$/.test(hex)) throw new UpstreamProtocolError('invalid chunk size');
    const size = parseInt(hex, 16);
    if (size === 0) {
      this.state = State.Trailers;
    } else {
      this.remaining = size;
      this.state = State.ChunkData;
    }
    return found.next;
  }

  private readChunkEnd(data: Buffer, off: number): number {
    const found = this.takeLine(data, off, '\r\n', 2, 'chunk end');
    if (typeof found === 'number') return found;
    if (found.end !== 0) throw new UpstreamProtocolError('chunk data longer than its size');
    this.state = State.ChunkSize;
    return found.next;
  }

  private readTrailers(data: Buffer, off: number): number {
    // Trailer fields are dropped (they are rarely used, and only after the head was forwarded).
    const found = this.takeLine(data, off, '\r\n', MAX_TRAILER_BYTES, 'trailers');
    if (typeof found === 'number') return found;
    this.trailerBytes += found.end + 2;
    if (this.trailerBytes > MAX_TRAILER_BYTES) throw new UpstreamProtocolError('trailers too long');
    if (found.end === 0) this.finishNow();
    return found.next;
  }
}
