// The response to one request: the head written once, the body streamed with back-pressure,
// framed by Content-Length when the handler gives one, chunked otherwise (close-delimited for
// HTTP/1.0 clients), never a body for HEAD, 1xx, 204 or 304. Events, as a Node ServerResponse:
// 'drain', 'finish' (everything handed to the socket) and 'close' (always, once).
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { HttpRequest } from './request.js';

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: 'Continue', 101: 'Switching Protocols', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Content Too Large',
  414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed',
  418: "I'm a Teapot", 421: 'Misdirected Request', 422: 'Unprocessable Content', 423: 'Locked', 425: 'Too Early',
  426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 507: 'Insufficient Storage', 511: 'Network Authentication Required',
};

/** Cached Date header value, recomputed at most once a second. */
let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** The connection side of a response. */
export interface ResponseOwner {
  /** The response is complete (everything written); `reusable` when the connection may go on. */
  responseDone(res: HttpResponse, reusable: boolean): void;
  /** The handler gave up on the response: the connection must close. */
  responseDestroyed(res: HttpResponse): void;
  /** The socket refused more data for now: the owner times out a client that never reads. */
  writeBlocked(res: HttpResponse, blocked: boolean): void;
}

const CRLF = '\r\n';
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
/** Up to this many bytes, the pieces of one write go out copied into one buffer. */
const SMALL_WRITE = 16 * 1024;
// Header values must not carry a line of their own.
const BAD_VALUE = /[\r\n\0]/;

/** Header field lines passed through from an upstream response, with what framing needs to know of them. */
export interface ForwardedFields {
  /** Whole field lines, each ending with CRLF (may be empty). */
  readonly lines: string;
  /** Their Content-Length, -1 when they carry none. */
  readonly contentLength: number;
  /** They carry a Date field. */
  readonly hasDate: boolean;
}

const enum Framing {
  Length,
  Chunked,
  UntilClose,
  None,
}

export class HttpResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableFinished = false;
  destroyed = false;
  /** The connection may carry another request after this one (the handler may turn it off). */
  shouldKeepAlive: boolean;
  private head: string | null = null;
  private framing = Framing.None;
  private remaining = 0;
  private ended = false;
  private closed = false;

  constructor(
    readonly req: HttpRequest,
    readonly socket: Socket,
    keepAlive: boolean,
    private readonly owner: ResponseOwner,
  ) {
    super();
    this.shouldKeepAlive = keepAlive;
  }

  /** writeHead(status, headers) or writeHead(status, reason, headers); headers: flat name/value list. */
  writeHead(status: number, reasonOrHeaders?: string | readonly string[], maybeHeaders?: readonly string[]): this {
    const reason = typeof reasonOrHeaders === 'string' ? reasonOrHeaders : undefined;
    const headers = (typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders) ?? [];
    return this.compose(status, reason, headers, undefined);
  }

  /**
   * Writes a head made of field lines forwarded as they came (a proxied response), then
   * `headers`. The lines are trusted to be clean (the upstream parser checked them) and to hold
   * no Connection or Transfer-Encoding field: framing stays ours.
   */
  writeForwardedHead(status: number, forwarded: ForwardedFields, headers: readonly string[]): this {
    return this.compose(status, undefined, headers, forwarded);
  }

  private compose(status: number, reason: string | undefined, headers: readonly string[], forwarded: ForwardedFields | undefined): this {
    if (this.head !== null || this.headersSent) throw new Error('response head already written');
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`invalid status ${status}`);
    this.statusCode = status;
    const req = this.req;
    const http10 = req.httpVersionMinor === 0;
    let text = `HTTP/1.1 ${status} ${reason ?? STATUS_TEXT[status] ?? ''}${CRLF}`;
    let length = -1;
    let sawDate = false;
    if (forwarded !== undefined) {
      text += forwarded.lines;
      length = forwarded.contentLength;
      sawDate = forwarded.hasDate;
    }
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (BAD_VALUE.test(value) || BAD_VALUE.test(name)) throw new Error(`invalid value for response header ${name}`);
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === 'date') sawDate = true;
          break;
        case 10:
          if (name.toLowerCase() === 'connection') {
            // Ours to decide: the handler can only ask for the connection to close.
            if (value.toLowerCase().includes('close')) this.shouldKeepAlive = false;
            continue;
          }
          break;
        case 14:
          if (name.toLowerCase() === 'content-length') length = Number(value);
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') continue; // framing is ours
          break;
      }
      text += `${name}: ${value}${CRLF}`;
    }
    if (!sawDate) text += `date: ${httpDate()}${CRLF}`;
    const noBody = req.method === 'HEAD' || status === 204 || status === 304 || status < 200;
    if (noBody) {
      this.framing = Framing.None;
    } else if (length >= 0) {
      this.framing = Framing.Length;
      this.remaining = length;
    } else if (!http10) {
      this.framing = Framing.Chunked;
      text += `transfer-encoding: chunked${CRLF}`;
    } else {
      // An HTTP/1.0 client: the end of the body is the end of the connection.
      this.framing = Framing.UntilClose;
      this.shouldKeepAlive = false;
    }
    if (!this.shouldKeepAlive) text += `connection: close${CRLF}`;
    else if (http10) text += `connection: keep-alive${CRLF}`;
    this.head = text + CRLF;
    return this;
  }

  /**
   * Forgets a head that was composed but not sent yet (it goes out with the first body bytes):
   * an upstream that fails before its body starts can still be answered with an error. False
   * once the head is on its way.
   */
  discardHead(): boolean {
    if (this.headersSent) return false;
    this.head = null;
    this.framing = Framing.None;
    this.remaining = 0;
    return true;
  }

  private ensureHead(): void {
    if (this.head === null && !this.headersSent) this.writeHead(this.statusCode, []);
  }

  /** Writes a piece of the body; false when the socket wants a pause (wait for 'drain'). */
  write(chunk: Buffer | string): boolean {
    if (this.ended || this.destroyed) return false;
    this.ensureHead();
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    return this.send(data, false);
  }

  end(chunk?: Buffer | string): this {
    if (this.ended || this.destroyed) return this;
    this.ensureHead();
    this.ended = true;
    const data = chunk === undefined ? undefined : typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.send(data, true);
    return this;
  }

  private send(data: Buffer | undefined, last: boolean): boolean {
    const socket = this.socket;
    if (socket.destroyed) {
      this.destroy();
      return false;
    }
    const head = this.head;
    const first = head !== null;
    if (first) {
      this.head = null;
      this.headersSent = true;
    }
    let body: Buffer | undefined;
    let trailer: Buffer | undefined;
    if (data !== undefined && data.length > 0) {
      switch (this.framing) {
        case Framing.None:
          break;
        case Framing.Length:
          // Never more than declared: the client would read the excess as the next response.
          body = data.length <= this.remaining ? data : data.subarray(0, this.remaining);
          this.remaining -= body.length;
          break;
        case Framing.Chunked:
          body = data;
          break;
        case Framing.UntilClose:
          body = data;
          break;
      }
    }
    if (last && this.framing === Framing.Chunked) trailer = LAST_CHUNK;
    // Everything for this call in one go, the last piece carrying the callback.
    let pieces: (string | Buffer)[] = [];
    if (first) pieces.push(head);
    if (body) {
      if (this.framing === Framing.Chunked) pieces.push(`${body.length.toString(16)}${CRLF}`, body, CRLF);
      else pieces.push(body);
    }
    if (trailer) pieces.push(trailer);
    // Small pieces (a whole API response, a chunk with its framing) are copied into one buffer:
    // one plain write costs less than cork, writev and its per-call arrays.
    if (pieces.length > 1) pieces = joinSmall(pieces) ?? pieces;
    const reusable = last && this.shouldKeepAlive && this.framing !== Framing.UntilClose && (this.framing !== Framing.Length || this.remaining === 0);
    const done = last ? () => this.finish(reusable) : undefined;
    let ok = true;
    if (pieces.length === 0) {
      if (done) socket.write('', done);
    } else {
      if (pieces.length > 1) socket.cork();
      for (let i = 0; i < pieces.length; i++) {
        const p = pieces[i]!;
        const cb = i === pieces.length - 1 ? done : undefined;
        ok = typeof p === 'string' ? socket.write(p, 'latin1', cb) : socket.write(p, cb);
      }
      if (pieces.length > 1) socket.uncork();
    }
    if (last) return ok;
    if (!ok) {
      this.owner.writeBlocked(this, true);
      socket.once('drain', this.onDrain);
    }
    return ok;
  }

  private readonly onDrain = (): void => {
    this.owner.writeBlocked(this, false);
    this.emit('drain');
  };

  private finish(reusable: boolean): void {
    if (this.destroyed || this.writableFinished) return;
    this.writableFinished = true;
    this.emit('finish');
    this.owner.responseDone(this, reusable);
    this.close();
  }

  /** Emits 'close' once (after 'finish', or when the exchange is cut short). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.off('drain', this.onDrain);
    this.emit('close');
  }

  /** Ends the exchange abruptly: the connection is closed (a cut body must not look whole). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.owner.responseDestroyed(this);
    this.close();
  }
}

/** The pieces copied into one buffer, when they add up to SMALL_WRITE bytes at most (strings are latin1). */
function joinSmall(pieces: readonly (string | Buffer)[]): [Buffer] | undefined {
  let size = 0;
  for (const p of pieces) size += p.length;
  if (size > SMALL_WRITE) return undefined;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of pieces) at += typeof p === 'string' ? out.write(p, at, 'latin1') : p.copy(out, at);
  return [out];
}
