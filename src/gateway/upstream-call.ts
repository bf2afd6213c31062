// One exchange's trip to the upstream: a target chosen, a pooled connection taken, the request
// head written from the exchange, the response streamed straight into the client's response
// with back-pressure both ways. A request that provably never reached a target (the connection
// could not be made, or a reused keep-alive connection turned out closed) is tried again when
// its body can be replayed; every failure is answered with the right status (502 unreachable,
// 504 timeout, 503 busy) or, once the response has started, ends the client's connection so it
// can't mistake a cut body for a whole one.
import type { ForwardedFields, HttpResponse } from '../http1/response.js';
import type { UpstreamGroup, UpstreamTarget } from '../routing/upstream-group.js';
import type { RequestBody, UpstreamConnection, UpstreamHandler } from '../upstream/connection.js';
import { UpstreamError } from '../upstream/errors.js';
import type { ResponseHead } from '../upstream/response-head.js';
import type { ConnectionWaiter } from '../upstream/pool.js';
import type { Cancellable, Exchange } from './exchange.js';
import type { Verdict } from './guard.js';
import { upstreamFailure, type Failure } from './errors.js';
import type { GatewayLog } from './gateway.js';
import { CODES, jsonError, writeReply } from './local-reply.js';

// Response headers never forwarded: hop-by-hop (RFC 9110 §7.6.1) and those the gateway sets itself.
const DROP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'x-request-id',
]);
/** DROP_RESPONSE and Strict-Transport-Security (replaced under HSTS) by name length. */
const DROP_BY_LENGTH: Array<string[] | undefined> = [];
for (const name of [...DROP_RESPONSE, 'strict-transport-security']) (DROP_BY_LENGTH[name.length] ??= []).push(name);
/** A Connection header that names no other header (the usual case). */
const SIMPLE_CONNECTION = /^\s*(?:keep-alive|close)\s*$/i;

export class UpstreamCall implements UpstreamHandler, ConnectionWaiter, Cancellable {
  private target: UpstreamTarget | undefined;
  private conn: UpstreamConnection | null = null;
  private withdraw: (() => void) | null = null;
  private head = '';
  private responded = false;
  private finished = false;
  private cancelled: Error | undefined;
  private attempts = 0;
  private staleRetried = false;
  private ended = false;
  /** A response held back while guards inspect its body. */
  private held: { status: number; headers: string[]; chunks: Buffer[]; size: number; limit: number } | undefined;

  constructor(
    private readonly ex: Exchange,
    private readonly group: UpstreamGroup,
    private readonly body: RequestBody | null,
    private readonly log: GatewayLog,
    /** Answers the client when a response guard refuses the upstream's response. */
    private readonly onBlocked?: (ex: Exchange, v: Verdict) => void,
  ) {}

  /** The body can be sent again (it was never streamed from the client). */
  private get replayable(): boolean {
    return this.body === null || this.body.stream === null;
  }

  start(exclude?: UpstreamTarget): void {
    const now = performance.now();
    const target = this.group.pick(now, exclude);
    if (!target) return this.fail(new UpstreamError('connect', 'no target to try', true));
    this.target = target;
    this.attempts++;
    this.ex.upstreamTarget = target.origin;
    if (this.ex.upstreamStart === 0) this.ex.upstreamStart = now;
    this.head = this.buildHead(target);
    this.withdraw = target.pool.acquire(this);
  }

  onConnection(err: UpstreamError | null, conn: UpstreamConnection | null): void {
    this.withdraw = null;
    if (this.finished || this.cancelled) {
      // Nobody wants it any more; a connection that never carried this request stays usable.
      if (conn) conn.destroy();
      return;
    }
    if (err || !conn) return this.onError(err ?? new UpstreamError('connect', 'no connection', true));
    this.conn = conn;
    conn.send({ method: this.ex.method, head: this.head, body: this.body }, this);
  }

  private buildHead(target: UpstreamTarget): string {
    const ex = this.ex;
    const headers = ex.forwardHeaders;
    const mode = this.group.settings.hostHeader;
    const host = mode === 'preserve' ? undefined : mode === 'target' ? new URL(target.origin).host : mode;
    let head = `${ex.method} ${ex.path}${ex.query} HTTP/1.1\r\n`;
    let sawHost = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length === 4 && name.toLowerCase() === 'host') {
        sawHost = true;
        if (host !== undefined) {
          head += `host: ${host}\r\n`;
          continue;
        }
      }
      head += `${name}: ${headers[i + 1]!}\r\n`;
    }
    if (!sawHost) head += `host: ${host ?? new URL(target.origin).host}\r\n`;
    const body = this.body;
    if (body !== null) {
      // A body whose length the client did not say goes chunked, unless we already hold all of it.
      if (body.length === -1) head += 'transfer-encoding: chunked\r\n';
      else if (ex.bodyLength === -1) head += `content-length: ${body.length}\r\n`;
    }
    head +=
      `x-forwarded-for: ${ex.xForwardedFor === undefined ? ex.peerIp : `${ex.xForwardedFor}, ${ex.peerIp}`}\r\n` +
      `x-forwarded-proto: ${ex.xForwardedProto ?? (ex.listener.tls ? 'https' : 'http')}\r\n` +
      `x-request-id: ${ex.id}\r\n`;
    const fwdHost = ex.xForwardedHost ?? ex.rawHost;
    if (fwdHost !== undefined) head += `x-forwarded-host: ${fwdHost}\r\n`;
    return `${head}\r\n`;
  }

  /** Stops the call: the client left, or its body broke a limit. */
  cancel(reason: Error): void {
    if (this.finished) return;
    this.cancelled = reason;
    if (this.conn) {
      this.conn.abort(reason);
    } else {
      this.withdraw?.();
      this.withdraw = null;
      this.fail(reason);
    }
  }

  onHead(head: ResponseHead): void {
    const ex = this.ex;
    const res = ex.res!;
    const status = head.status;
    this.responded = true;
    ex.upstreamHeadersAt = performance.now();
    ex.upstreamStatus = status;
    this.group.reportSuccess(this.target!);
    if (res.destroyed) return;
    const dropped = droppedFields(head, Boolean(ex.listener.hsts));
    // Nothing looks at the response: its fields go out as they came, less the dropped ones.
    if (ex.responseGuards === undefined) return this.forward(head, dropped);

    const out: string[] = [];
    for (let i = 0; i < head.count; i++) if (dropped?.[i] !== true) out.push(head.name(i), head.value(i));
    const guards = ex.responseGuards;
    if (guards) {
      let limit = 0;
      for (const g of guards) {
        const v = g.onResponseHead?.(ex, status, out);
        if (v !== undefined && v.action !== 'allow') return this.blockResponse(v);
        if (v !== undefined) ex.verdicts.push(v);
        if (g.wantsResponseBody?.(ex) === true) limit = Math.max(limit, g.responseBodyLimit ?? 512 * 1024);
      }
      if (limit > 0) {
        // Held back: the head goes out once the body (up to the limit) has been inspected.
        this.held = { status, headers: out, chunks: [], size: 0, limit };
        return;
      }
    }
    // The guards only read the fields (a readonly list) and let the response through: it goes
    // out as it came, less the dropped fields, as when nothing looks at it.
    this.forward(head, dropped);
  }

  /** Writes the head from runs of the upstream's own field lines, skipping the dropped ones. */
  private forward(head: ResponseHead, dropped: readonly boolean[] | undefined): void {
    const count = head.count;
    let lines = '';
    let run = 0;
    let hasDate = false;
    for (let i = 0; i < count; i++) {
      if (!hasDate && head.nameLength(i) === 4 && head.nameIs(i, 'date')) hasDate = true;
      if (dropped?.[i] !== true) continue;
      // Field i is dropped: the run before it goes out.
      lines += head.lines(run, i);
      run = i + 1;
    }
    lines += head.lines(run, count);
    this.writeHead(head.status, [], { lines, contentLength: head.contentLength, hasDate });
  }

  private writeHead(status: number, out: string[], forwarded?: ForwardedFields): boolean {
    const ex = this.ex;
    const res = ex.res!;
    out.push('x-request-id', ex.id);
    if (ex.listener.hsts) out.push('strict-transport-security', ex.listener.hsts);
    if (ex.responseHeaders) for (const h of ex.responseHeaders) out.push(h);
    // The upstream answered before the client finished its body: the rest will not be read.
    const unread = ex.bodyLength !== 0 && !ex.req.readableEnded;
    if (unread) {
      out.push('connection', 'close');
      res.shouldKeepAlive = false;
    }
    ex.status = status;
    try {
      if (forwarded === undefined) res.writeHead(status, out);
      else res.writeForwardedHead(status, forwarded, out);
    } catch (err) {
      // A header Node refuses to send (invalid characters): the upstream's fault, not the client's.
      this.log.warn({ err: (err as Error).message, upstream: this.target?.origin }, 'invalid upstream response header');
      this.responded = false;
      this.conn?.abort(new UpstreamError('protocol', 'response header the client cannot be sent', true));
      return false;
    }
    if (unread) closeAfter(res);
    return true;
  }

  /** A guard refused the response: drop the upstream's, answer with the denial. */
  private blockResponse(v: Verdict): void {
    this.held = undefined;
    this.finished = true;
    const conn = this.conn;
    this.conn = null;
    conn?.abort(new UpstreamError('aborted', 'response refused by a guard', false));
    if (this.onBlocked) this.onBlocked(this.ex, v);
    else this.ex.res!.destroy();
  }

  /** Runs the body guards over the held response; true when it may go to the client. */
  private inspectHeld(last: boolean): boolean {
    const held = this.held!;
    const ex = this.ex;
    const body = held.chunks.length === 1 ? held.chunks[0]! : Buffer.concat(held.chunks);
    held.chunks = [body];
    const inspected = body.length > held.limit ? body.subarray(0, held.limit) : body;
    for (const g of ex.responseGuards ?? []) {
      if (g.wantsResponseBody?.(ex) !== true || !g.onResponseBody) continue;
      const v = g.onResponseBody(ex, inspected, !last || body.length > held.limit);
      if (v !== undefined && v.action !== 'allow') {
        this.blockResponse(v);
        return false;
      }
      if (v !== undefined) ex.verdicts.push(v);
    }
    return true;
  }

  onData(chunk: Buffer, last: boolean): boolean {
    const res = this.ex.res!;
    const held = this.held;
    if (held) {
      held.chunks.push(chunk);
      held.size += chunk.length;
      if (!last && held.size < held.limit) return true;
      if (!this.inspectHeld(last)) return true;
      this.held = undefined;
      if (!this.writeHead(held.status, held.headers)) return true;
      chunk = held.chunks[0]!;
    }
    this.ex.bytesOut += chunk.length;
    if (last) {
      // The whole body is here: one trip through Node's response instead of write() then end().
      this.ended = true;
      res.end(chunk);
      return true;
    }
    if (res.write(chunk)) return true;
    // Back-pressure: the upstream is read again once the client has taken what is queued.
    res.once('drain', () => this.conn?.resume());
    return false;
  }

  onComplete(): void {
    const held = this.held;
    if (held) {
      // The body ended without a last chunk (empty bodies, HEAD, 204, 304).
      if (!this.inspectHeld(true)) return;
      this.held = undefined;
      if (!this.writeHead(held.status, held.headers)) return;
      const body = held.chunks[0];
      this.finished = true;
      this.conn = null;
      this.ended = true;
      if (body && body.length > 0) {
        this.ex.bytesOut += body.length;
        this.ex.res!.end(body);
      } else {
        this.ex.res!.end();
      }
      return;
    }
    this.finished = true;
    this.conn = null;
    if (!this.ended) this.ex.res!.end();
  }

  onError(err: UpstreamError | Error): void {
    if (this.finished) return;
    this.conn = null;
    const failure = upstreamFailure(this.cancelled ?? err);
    if (!this.responded && !this.cancelled && this.target && err instanceof UpstreamError) {
      const now = performance.now();
      // A reused keep-alive connection the upstream had just closed: the request never got
      // there. Once, on a fresh connection to the same target, without blaming it.
      if (err.kind === 'closed' && err.reusedConnection && err.beforeResponse && this.replayable && !this.staleRetried) {
        this.staleRetried = true;
        this.attempts--;
        return this.start();
      }
      if (failure.countsAgainstTarget) this.group.reportFailure(this.target, now);
      if (err.kind === 'connect' && this.replayable && this.attempts <= this.group.settings.retries && this.group.targets.length > 1) {
        return this.start(this.target);
      }
    }
    this.fail(this.cancelled ?? err, failure);
  }

  private fail(err: Error, failure: Failure = upstreamFailure(err)): void {
    this.finished = true;
    const ex = this.ex;
    const res = ex.res!;
    ex.error = failure.code;
    if (failure.status >= 500 && failure.countsAgainstTarget) {
      this.log.warn({ requestId: ex.id, upstream: this.target?.origin, code: failure.code }, 'upstream request failed');
    }
    if (res.headersSent || res.destroyed || failure.status === 499) {
      // Mid-response: the only honest signal left is to cut the connection.
      res.destroy();
      return;
    }
    // The upstream's head may be composed but still unsent (it leaves with the first body
    // bytes): nothing reached the client, so the failure gets its proper answer.
    res.discardHead();
    ex.status = failure.status;
    const close = failure.status === 413 || failure.status === 408 || failure.status === 400 || (ex.bodyLength !== 0 && !ex.req.readableEnded);
    const headers: string[] = ['x-request-id', ex.id];
    if (ex.listener.hsts) headers.push('strict-transport-security', ex.listener.hsts);
    writeReply(res, {
      status: failure.status,
      contentType: 'application/json',
      body: jsonError(failure.status, CODES[failure.status] ?? 'bad_gateway', ex.id),
      headers,
      close,
    });
    if (close) closeAfter(res);
  }
}

/** Once the reply is flushed, closes its connection (an unread body must not keep it busy). */
export function closeAfter(res: HttpResponse): void {
  const socket = res.socket;
  if (!socket) return;
  res.once('finish', () => socket.destroySoon());
}

/**
 * Which fields of an upstream's head the client must not see (undefined: none): hop-by-hop
 * ones, those the Connection field names, the upstream's X-Request-Id, and its
 * Strict-Transport-Security when the listener sends its own.
 */
function droppedFields(head: ResponseHead, hsts: boolean): boolean[] | undefined {
  const count = head.count;
  // Names a Connection field adds to the hop-by-hop ones (rare: usually it says keep-alive or close).
  let named: string[] | undefined;
  for (let i = 0; i < count; i++) {
    if (!head.nameIs(i, 'connection')) continue;
    const value = head.value(i);
    if (SIMPLE_CONNECTION.test(value)) continue;
    for (const t of value.toLowerCase().split(',')) {
      const token = t.trim();
      if (token !== '' && token !== 'close' && token !== 'keep-alive') (named ??= []).push(token);
    }
  }
  let dropped: boolean[] | undefined;
  for (let i = 0; i < count; i++) {
    let drop = false;
    const candidates = DROP_BY_LENGTH[head.nameLength(i)];
    if (candidates !== undefined) {
      for (const c of candidates) {
        if (head.nameIs(i, c)) {
          drop = c !== 'strict-transport-security' || hsts;
          break;
        }
      }
    }
    // Tokens may hold characters nameIs does not fold: compared on the lower-cased name.
    if (!drop && named !== undefined) drop = named.includes(head.name(i).toLowerCase());
    if (drop) (dropped ??= new Array<boolean>(count).fill(false))[i] = true;
  }
  return dropped;
}
