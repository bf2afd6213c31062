// A request received by the gateway's HTTP/1.1 server: its head as parsed, and its body as a
// small flowing stream (data / end / error / close events, pause and resume) that the connection
// feeds from the socket. Far lighter than a Node Readable: most requests have no body at all,
// and those that do are consumed by exactly one reader.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { RequestHead } from './request-parser.js';

/** What a body consumer needs (the gateway's upstream connector, body-inspecting guards). */
export interface BodyStream {
  readonly readableEnded: boolean;
  readonly destroyed: boolean;
  isPaused(): boolean;
  pause(): void;
  resume(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'end' | 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'end' | 'close', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: 'data' | 'end' | 'error' | 'close', listener: (...args: any[]) => void): this;
}

/** How the request reaches back into its connection for flow control. */
export interface BodyFlow {
  /** The reader wants data (again). */
  resumeBody(req: HttpRequest): void;
  /** The reader gave up: the connection cannot be trusted to continue. */
  destroyRequest(req: HttpRequest, err?: Error): void;
}

export class HttpRequest extends EventEmitter implements BodyStream {
  readonly method: string;
  readonly url: string;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly rawHeaders: string[];
  /** Declared body: -1 chunked, otherwise its length. */
  readonly bodyLength: number;
  readonly expectContinue: boolean;
  private headersObject: Record<string, string | string[]> | undefined;
  /** The whole body has arrived (and, once read, 'end' was emitted). */
  complete = false;
  readableEnded = false;
  destroyed = false;
  private flowing = false;
  /** Body pieces parsed while the reader was paused. */
  private queued: Buffer[] | null = null;
  private endPending = false;
  /** Why the body could not be read to its end (given to readers that come late, too). */
  failure: Error | undefined;

  constructor(
    head: RequestHead,
    readonly socket: Socket,
    private readonly flow: BodyFlow,
  ) {
    super();
    this.method = head.method;
    this.url = head.url;
    this.httpVersionMajor = head.versionMajor;
    this.httpVersionMinor = head.versionMinor;
    this.rawHeaders = head.rawHeaders;
    this.bodyLength = head.bodyLength;
    this.expectContinue = head.expectContinue;
    if (head.bodyLength === 0) {
      this.complete = true;
      this.readableEnded = true;
    }
  }

  /** Header fields by lower-case name, built on first use; repeated fields joined as Node does. */
  get headers(): Record<string, string | string[]> {
    if (this.headersObject) return this.headersObject;
    const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      const prev = out[name];
      if (prev === undefined) out[name] = name === 'set-cookie' ? [value] : value;
      else if (Array.isArray(prev)) prev.push(value);
      else out[name] = name === 'cookie' ? `${prev}; ${value}` : `${prev}, ${value}`;
    }
    this.headersObject = out;
    return out;
  }

  isPaused(): boolean {
    return !this.flowing;
  }

  pause(): void {
    this.flowing = false;
  }

  resume(): void {
    if (this.flowing || this.destroyed) return;
    this.flowing = true;
    if (this.failure) {
      this.emit('error', this.failure);
      return;
    }
    const queued = this.queued;
    if (queued) {
      this.queued = null;
      for (let i = 0; i < queued.length; i++) {
        this.emit('data', queued[i]!);
        if (!this.flowing) {
          // Paused again by a listener: keep the rest for later.
          const rest = queued.slice(i + 1);
          if (rest.length > 0) this.queued = rest;
          return;
        }
      }
    }
    if (this.endPending) {
      this.endPending = false;
      this.finishBody();
      return;
    }
    if (!this.complete) this.flow.resumeBody(this);
  }

  /** From the connection: a piece of the body. */
  pushBody(chunk: Buffer): void {
    if (this.destroyed) return;
    if (this.flowing && this.queued === null) this.emit('data', chunk);
    // The chunk may be a view into a buffer the socket reuses: keep a copy.
    else (this.queued ??= []).push(Buffer.from(chunk));
  }

  /** From the connection: the body is complete. */
  pushEnd(): void {
    this.complete = true;
    if (this.flowing && this.queued === null) this.finishBody();
    else this.endPending = true;
  }

  private finishBody(): void {
    if (this.readableEnded) return;
    this.readableEnded = true;
    this.emit('end');
  }

  /** From the connection: the body cannot be read to its end (it broke the framing). */
  fail(err: Error): void {
    if (this.failure || this.destroyed) return;
    this.failure = err;
    this.queued = null;
    if (this.flowing && this.listenerCount('error') > 0) this.emit('error', err);
  }

  /** From the connection or a reader: the request ends abnormally. */
  destroy(err?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.queued = null;
    this.flow.destroyRequest(this, err);
    if (err && this.listenerCount('error') > 0) this.emit('error', err);
    this.emit('close');
    return this;
  }

  /** From the connection, once the exchange is over: the request is released. */
  release(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}
