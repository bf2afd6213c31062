// One client connection to the gateway's HTTP/1.1 server: a small state machine over the socket.
//
//   head ──(request head)──► body ──(body complete)──► response ──(response finished)──► head …
//                └──(Upgrade)──► handed over
//
// One request at a time: pipelined requests wait (unparsed) until the response before them is
// finished, and the socket is paused meanwhile, so a client cannot make the gateway buffer
// without bound. Timeouts by deadline (see util/deadlines.ts): the request head must arrive in
// time (408), idle keep-alive connections are closed, and a client that stops reading its
// response is disconnected.
import type { Socket } from 'node:net';
import { deadlines, type Expirable } from '../util/deadlines.js';
import { HttpRequest, type BodyFlow } from './request.js';
import { RequestParseError, RequestParser, type RequestEvents, type RequestHead, type RequestLimits } from './request-parser.js';
import { HttpResponse, type ResponseOwner } from './response.js';

export interface ServerTimeouts {
  /** For a request head to arrive, from its first byte (or the connection's start). */
  readonly headersMs: number;
  /** Idle time allowed between requests on a kept-alive connection. */
  readonly keepAliveMs: number;
  /** How long a response may stay blocked by a client that does not read. */
  readonly sendMs: number;
}

export interface ServerHandlers {
  onRequest(req: HttpRequest, res: HttpResponse): void;
  onUpgrade(req: HttpRequest, socket: Socket, head: Buffer): void;
  /** A request refused before it became an exchange; the handler answers on the socket and ends it. */
  onRefused(err: RequestParseError, socket: Socket): void;
}

/** What a connection reads from its server (settings may change on reload). */
export interface ServerContext {
  readonly limits: RequestLimits;
  readonly timeouts: ServerTimeouts;
  readonly handlers: ServerHandlers;
  /** The server is draining: finish the current request, keep nothing alive. */
  readonly draining: boolean;
  connectionClosed(conn: ServerConnection): void;
}

const enum State {
  Head,
  Body,
  Response,
  Upgraded,
  Closed,
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');

export class ServerConnection implements RequestEvents, BodyFlow, ResponseOwner, Expirable {
  deadline = 0;
  private state = State.Head;
  private readonly parser: RequestParser;
  private req: HttpRequest | null = null;
  private res: HttpResponse | null = null;
  /** Bytes received but not parsed yet (a paused body, a pipelined request). */
  private leftover: Buffer | null = null;
  private processing = false;
  private upgradeHead: RequestHead | null = null;
  private clientEnded = false;
  private continueSent = false;
  /** Nothing at all has been received on this connection yet. */
  private fresh = true;

  constructor(
    readonly socket: Socket,
    private readonly server: ServerContext,
  ) {
    this.parser = new RequestParser(this, server.limits);
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    this.deadline = performance.now() + server.timeouts.headersMs;
    deadlines.add(this);
  }

  /** Between requests with nothing in flight: safe to close. */
  get idle(): boolean {
    return this.state === State.Head && this.parser.idle && this.leftover === null;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.fresh = false;
    if (this.leftover !== null) {
      this.leftover = Buffer.concat([this.leftover, chunk]);
      if (!this.processing) this.process();
      return;
    }
    this.leftover = chunk;
    this.process();
  };

  /** Feeds the parser from `leftover` for as long as the state allows. */
  private process(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.leftover !== null && this.leftover.length > 0) {
        if (this.state === State.Response || this.state === State.Upgraded || this.state === State.Closed) break;
        if (this.state === State.Body && this.req!.isPaused()) break;
        if (this.state === State.Head && this.parser.idle) {
          // The first byte of a request: its head must arrive within the headers timeout.
          this.deadline = performance.now() + this.server.timeouts.headersMs;
        }
        const data = this.leftover;
        let used: number;
        try {
          used = this.parser.feed(data, this.shouldPause);
        } catch (err) {
          this.leftover = null;
          this.parseError(err);
          return;
        }
        this.leftover = used >= data.length ? null : data.subarray(used);
        if (this.upgradeHead !== null) return this.upgrade();
        if (used === 0) break;
      }
    } finally {
      this.processing = false;
    }
    // Unparsed bytes wait with the socket paused, so they cannot pile up.
    if (this.leftover !== null && this.state !== State.Closed) this.socket.pause();
    else if (this.socket.isPaused() && this.state !== State.Response && this.state !== State.Closed) this.socket.resume();
  }

  private readonly shouldPause = (): boolean => this.state === State.Body && this.req !== null && this.req.isPaused();

  // RequestEvents (from the parser) ----------------------------------------------------------

  onHead(head: RequestHead): void {
    this.deadline = 0;
    if (head.unsupportedExpect) throw new RequestParseError(417, 'unsupported Expect');
    if (head.upgrade) {
      this.upgradeHead = head;
      this.state = State.Upgraded;
      return;
    }
    const req = new HttpRequest(head, this.socket, this);
    const res = new HttpResponse(req, this.socket, head.keepAlive && !this.server.draining && !this.clientEnded, this);
    this.req = req;
    this.res = res;
    this.continueSent = false;
    this.state = head.bodyLength === 0 ? State.Response : State.Body;
    this.server.handlers.onRequest(req, res);
  }

  onBody(chunk: Buffer): void {
    this.req?.pushBody(chunk);
  }

  onComplete(): void {
    const req = this.req;
    if (this.state === State.Body) this.state = State.Response;
    req?.pushEnd();
  }

  private upgrade(): void {
    const head = this.upgradeHead!;
    this.upgradeHead = null;
    const rest = this.leftover ?? Buffer.alloc(0);
    this.leftover = null;
    this.detach();
    const req = new HttpRequest(head, this.socket, this);
    this.server.handlers.onUpgrade(req, this.socket, rest);
  }

  /** Hands the socket over (upgrade): this connection no longer reads or times it. */
  private detach(): void {
    const s = this.socket;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('error', this.onError);
    s.off('close', this.onClose);
    this.deadline = 0;
    deadlines.delete(this);
    this.server.connectionClosed(this);
    if (s.isPaused()) s.resume();
  }

  private parseError(err: unknown): void {
    const e = err instanceof RequestParseError ? err : new RequestParseError(400, (err as Error).message);
    const req = this.req;
    if (req !== null && (this.state === State.Body || this.state === State.Response)) {
      // The body broke the framing: the exchange in progress ends through its own response.
      this.state = State.Response;
      if (this.res) this.res.shouldKeepAlive = false;
      req.fail(e);
      return;
    }
    this.state = State.Closed;
    this.deadline = 0;
    this.server.handlers.onRefused(e, this.socket);
  }

  // BodyFlow (from the request) ---------------------------------------------------------------

  resumeBody(req: HttpRequest): void {
    if (req !== this.req) return;
    if (req.expectContinue && !this.continueSent && !this.res?.headersSent) {
      this.continueSent = true;
      this.socket.write(CONTINUE);
    }
    if (this.leftover !== null) this.process();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  destroyRequest(req: HttpRequest): void {
    if (req !== this.req) return;
    this.socket.destroy();
  }

  // ResponseOwner (from the response) ---------------------------------------------------------

  responseDone(res: HttpResponse, reusable: boolean): void {
    if (res !== this.res) return;
    const req = this.req!;
    this.req = null;
    this.res = null;
    req.release();
    const keep = reusable && req.complete && !req.failure && !this.server.draining && !this.clientEnded && this.state === State.Response && !this.socket.destroyed;
    if (!keep) {
      this.close();
      return;
    }
    this.state = State.Head;
    this.parser.reset();
    this.deadline = performance.now() + this.server.timeouts.keepAliveMs;
    if (this.leftover !== null) this.process();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  responseDestroyed(res: HttpResponse): void {
    if (res !== this.res) return;
    this.socket.destroy();
  }

  writeBlocked(res: HttpResponse, blocked: boolean): void {
    if (res !== this.res) return;
    this.deadline = blocked ? performance.now() + this.server.timeouts.sendMs : 0;
  }

  // Socket and timers -------------------------------------------------------------------------

  expire(): void {
    if (this.state === State.Head) {
      if (this.parser.partialHead || (this.fresh && this.leftover !== null)) {
        this.state = State.Closed;
        this.server.handlers.onRefused(new RequestParseError(408, 'client too slow to send the request head'), this.socket);
      } else {
        // Idle: nothing was asked, nothing is owed.
        this.socket.destroy();
      }
      return;
    }
    // A response the client does not read.
    this.socket.destroy();
  }

  /** Ends the connection after what was written (FIN), and makes sure it goes away. */
  close(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.leftover = null;
    this.socket.end();
    // If the client never closes its side, do not keep the socket.
    this.deadline = performance.now() + 2000;
  }

  /** Closes the connection if it is between requests (drain, reload of a listener). */
  closeIfIdle(): boolean {
    if (!this.idle) return false;
    this.close();
    return true;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readonly onEnd = (): void => {
    this.clientEnded = true;
    if (this.state === State.Body && this.req !== null && !this.req.complete) {
      this.req.fail(new RequestParseError(400, 'client closed during the request body'));
      return;
    }
    if (this.state === State.Head) {
      if (this.parser.partialHead) this.server.handlers.onRefused(new RequestParseError(400, 'incomplete request head'), this.socket);
      else this.socket.end();
      this.state = State.Closed;
    }
    // In Response state: the response is still written (half-close), then the connection closes.
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.state = State.Closed;
    this.deadline = 0;
    deadlines.delete(this);
    this.server.connectionClosed(this);
    const req = this.req;
    const res = this.res;
    this.req = null;
    this.res = null;
    if (req && !req.complete && !req.destroyed) req.destroy(new Error('client closed the connection'));
    else req?.release();
    // A response not finished: its 'close' (without 'finish') tells the handler the client left.
    res?.close();
  };
}
