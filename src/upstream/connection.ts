// One keep-alive connection to an upstream target, carrying one request at a time (no
// pipelining). It writes the request head and body (streamed with back-pressure, chunk-encoded
// when the client's length is unknown), feeds the response to the strict parser, and reports
// to the exchange's handler. It goes back to its pool only when the response was complete, the
// request body fully sent and the upstream allowed keep-alive; on any doubt it is closed.
import net, { type Socket } from 'node:net';
import type { BodyStream } from '../http1/request.js';
import tls from 'node:tls';
import { deadlines, type Expirable } from '../util/deadlines.js';
import { UpstreamError, connectFailure } from './errors.js';
import type { ResponseHead } from './response-head.js';
import { ResponseParser, UpstreamProtocolError, type ResponseEvents } from './response-parser.js';

export interface RequestBody {
  /** Bytes already read (by a guard that inspected them), sent first. */
  readonly prefix: readonly Buffer[] | null;
  /** The rest of the body, streamed; null when `prefix` is all of it. */
  readonly stream: BodyStream | null;
  /** The Content-Length sent upstream, or -1 to send the body chunked. */
  readonly length: number;
  /** Called for each streamed chunk; may throw to stop the request (a limit was crossed). */
  observe(bytes: number): void;
}

export interface UpstreamRequest {
  readonly method: string;
  /** The request line and header fields, ending with the empty line. */
  readonly head: string;
  readonly body: RequestBody | null;
}

export interface UpstreamHandler {
  onHead(head: ResponseHead): void;
  /** Return false to stop reading from the upstream until resume(). `last`: see ResponseEvents. */
  onData(chunk: Buffer, last: boolean): boolean;
  onComplete(): void;
  onError(err: UpstreamError | Error): void;
}

export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: false | tls.ConnectionOptions;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

export interface ConnectionOwner {
  release(conn: UpstreamConnection): void;
  remove(conn: UpstreamConnection): void;
}

const CRLF = Buffer.from('\r\n');
// Header values may hold bytes above 0x7f (obs-text), carried as latin1 characters; those heads
// must be written as latin1. Pure-ASCII heads (nearly all) take Node's faster UTF-8 path, which
// writes the very same bytes.
function headEncoding(head: string): BufferEncoding {
  // Equal lengths: every character is ASCII (anything above 0x7f takes two UTF-8 bytes).
  return Buffer.byteLength(head) === head.length ? 'utf8' : 'latin1';
}
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
/**
 * Plain-TCP upstream connections read into this one buffer (net.connect's `onread`): no new
 * buffer per read and no trip through the stream machinery (Node's read path was about a sixth
 * of a proxied request's CPU, half of it on this side). Its bytes are only valid during the
 * read's callback, so everything that outlives it is copied: the parser copies an unfinished
 * head, and onBody copies each piece of body before handing it on (it may be queued, held or
 * written later).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class UpstreamConnection implements ResponseEvents, Expirable {
  /** When the current phase times out (see deadlines.ts). */
  deadline = 0;
  readonly socket: Socket;
  private readonly parser: ResponseParser;
  private handler: UpstreamHandler | null = null;
  private connected = false;
  /** Requests this connection has carried (more than one: it came from the pool). */
  requests = 0;
  private receivedAny = false;
  private headSeen = false;
  private bodySent = true;
  private chunked = false;
  private body: RequestBody | null = null;
  private closed = false;
  private settle: (err: UpstreamError | null) => void;
  /** Set by onComplete while the parser runs; acted on once it returns. */
  private completed = false;
  private reusable = false;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly owner: ConnectionOwner,
    onConnect: (err: UpstreamError | null) => void,
  ) {
    this.parser = new ResponseParser(this);
    const socket = options.tls
      ? tls.connect({ host: options.host, port: options.port, ...options.tls })
      : net.connect({
          host: options.host,
          port: options.port,
          onread: {
            buffer: READ_BUFFER,
            callback: (n: number) => {
              this.onSocketData(READ_BUFFER.subarray(0, n));
              return true; // reading goes on unless onBody paused the socket
            },
          },
        });
    this.socket = socket;
    socket.setNoDelay(true);
    let settled = false;
    const settle = (err: UpstreamError | null) => {
      if (settled) return;
      settled = true;
      onConnect(err);
    };
    this.settle = settle;
    this.deadline = performance.now() + options.connectTimeoutMs;
    deadlines.add(this);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      this.deadline = 0;
      settle(null);
    });
    if (options.tls) socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    socket.on('drain', this.onDrain);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.connected) {
        settle(connectFailure(err));
        this.destroy();
      } else {
        this.fail(new UpstreamError('closed', `connection error: ${err.code ?? err.message}`, !this.receivedAny, this.requests > 1, err.code));
      }
    });
    socket.on('close', () => this.onSocketClose());
  }

  get busy(): boolean {
    return this.handler !== null;
  }

  /** Sends a request; the handler hears about the response (or the failure). */
  send(request: UpstreamRequest, handler: UpstreamHandler): void {
    this.handler = handler;
    this.requests++;
    this.receivedAny = false;
    this.headSeen = false;
    this.parser.reset(request.method === 'HEAD');
    this.deadline = performance.now() + this.options.responseTimeoutMs;
    const body = request.body;
    this.body = body;
    if (body === null) {
      this.bodySent = true;
      this.socket.write(request.head, headEncoding(request.head));
      return;
    }
    this.bodySent = false;
    this.chunked = body.length === -1;
    const socket = this.socket;
    socket.cork();
    socket.write(request.head, headEncoding(request.head));
    if (body.prefix) for (const chunk of body.prefix) this.writeBodyChunk(chunk);
    if (!body.stream) {
      this.endBody();
      socket.uncork();
      return;
    }
    socket.uncork();
    const stream = body.stream;
    stream.on('data', this.onBodyData);
    stream.once('end', this.onBodyEnd);
    stream.once('error', this.onBodyError);
    stream.once('close', this.onBodyClose);
    if (stream.readableEnded) this.endBody();
    else if (stream.isPaused()) stream.resume();
  }

  private writeBodyChunk(chunk: Buffer): boolean {
    if (chunk.length === 0) return true;
    if (!this.chunked) return this.socket.write(chunk);
    this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    this.socket.write(chunk);
    return this.socket.write(CRLF);
  }

  private endBody(): void {
    if (this.chunked) this.socket.write(LAST_CHUNK);
    this.bodySent = true;
    this.detachBody();
  }

  private readonly onBodyData = (chunk: Buffer): void => {
    try {
      this.body?.observe(chunk.length);
    } catch (err) {
      this.abort(err as Error);
      return;
    }
    // Upload progress counts as activity while the response is awaited.
    if (!this.headSeen) this.deadline = performance.now() + this.options.responseTimeoutMs;
    if (!this.writeBodyChunk(chunk)) this.body?.stream?.pause();
  };

  private readonly onBodyEnd = (): void => {
    if (this.closed || this.handler === null) return;
    this.endBody();
  };

  private readonly onBodyError = (err: Error): void => {
    this.abort(err);
  };

  private readonly onBodyClose = (): void => {
    // The client went away before its body was complete.
    if (!this.bodySent) this.abort(new UpstreamError('aborted', 'client closed during the request body', !this.headSeen));
  };

  private readonly onDrain = (): void => {
    const stream = this.body?.stream;
    if (stream && !this.bodySent && stream.isPaused()) stream.resume();
  };

  private detachBody(): void {
    const stream = this.body?.stream;
    if (stream) {
      stream.off('data', this.onBodyData);
      stream.off('end', this.onBodyEnd);
      stream.off('error', this.onBodyError);
      stream.off('close', this.onBodyClose);
    }
    this.body = null;
  }

  /** Continues reading the response after the handler asked for a pause. */
  resume(): void {
    if (!this.closed) this.socket.resume();
  }

  /** Stops the request in progress: the connection is closed (it is in an unknown state). */
  abort(reason: Error): void {
    const handler = this.handler;
    if (!handler) return;
    this.handler = null;
    this.detachBody();
    this.destroy();
    handler.onError(reason);
  }

  private onSocketData(chunk: Buffer): void {
    if (!this.handler) {
      // Bytes while idle: the upstream is not speaking HTTP as it should. Not reusable.
      this.destroy();
      return;
    }
    this.receivedAny = true;
    this.completed = false;
    try {
      const used = this.parser.feed(chunk);
      if (this.completed) {
        // Back to the pool only now that the parser is done with this chunk. Bytes after a
        // complete response (we never pipeline) mean the connection is out of step: close it.
        if (used < chunk.length || !this.reusable || this.closed) this.destroy();
        else {
          this.deadline = performance.now() + this.options.idleTimeoutMs;
          if (this.socket.isPaused()) this.socket.resume();
          this.owner.release(this);
        }
      }
    } catch (err) {
      if (err instanceof UpstreamProtocolError) {
        this.fail(new UpstreamError('protocol', err.message, !this.headSeen, false));
      } else {
        this.fail(err as Error);
      }
    }
  }

  // ResponseEvents (from the parser)

  onHead(head: ResponseHead): void {
    this.headSeen = true;
    this.deadline = performance.now() + this.options.bodyTimeoutMs;
    this.handler?.onHead(head);
  }

  onBody(chunk: Buffer, last: boolean): void {
    this.deadline = performance.now() + this.options.bodyTimeoutMs;
    const handler = this.handler;
    // A piece of READ_BUFFER (a plain-TCP connection) is copied: it is overwritten by the next read.
    if (handler && !handler.onData(this.options.tls ? chunk : Buffer.from(chunk), last)) this.socket.pause();
  }

  onComplete(reusable: boolean): void {
    const handler = this.handler;
    this.handler = null;
    // An early response (before the request body was all sent) leaves the connection mid-request.
    this.reusable = reusable && this.bodySent;
    if (!this.bodySent) this.detachBody();
    this.completed = true;
    handler?.onComplete();
  }

  /** The current phase's deadline passed (connect, response, body, or idle in the pool). */
  expire(): void {
    if (!this.connected) {
      this.settle(new UpstreamError('connect-timeout', 'connect timeout', true, false, 'CONNECT_TIMEOUT'));
      this.destroy();
      return;
    }
    if (!this.handler) {
      // Idle keep-alive connection past its time.
      this.destroy();
      return;
    }
    if (this.socket.isPaused() && this.headSeen) {
      // We stopped reading (the client is slow), so no data is not the upstream's fault.
      this.deadline = performance.now() + this.options.bodyTimeoutMs;
      return;
    }
    const err = this.headSeen
      ? new UpstreamError('body-timeout', 'upstream response body stalled', false)
      : new UpstreamError('response-timeout', 'no response from upstream in time', true);
    this.fail(err);
  }

  private onSocketClose(): void {
    this.closed = true;
    deadlines.delete(this);
    this.owner.remove(this);
    if (!this.handler) return;
    if (this.parser.untilClose) {
      // A body delimited by the end of the connection is now complete.
      try {
        this.parser.finish();
      } catch {
        // finish() on untilClose cannot fail
      }
      return;
    }
    this.fail(new UpstreamError('closed', this.headSeen ? 'upstream closed in the middle of the response' : 'upstream closed without a response', !this.receivedAny, this.requests > 1));
  }

  private fail(err: UpstreamError | Error): void {
    const handler = this.handler;
    this.handler = null;
    this.detachBody();
    this.destroy();
    handler?.onError(err);
  }

  destroy(): void {
    if (!this.socket.destroyed) this.socket.destroy();
    this.closed = true;
    this.deadline = 0;
    deadlines.delete(this);
  }
}
