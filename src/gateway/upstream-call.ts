// One upstream request, driven by undici's dispatcher handler interface so the response streams
// straight into the client's response with back-pressure (undici pauses reading while the client
// is slow). Connection failures before anything was sent are retried on another target; every
// failure is answered with the right status (502 unreachable, 504 timeout) or, once the response
// has started, ends the client's connection so it can't mistake a cut body for a whole one.
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { UpstreamGroup, UpstreamTarget } from '../routing/upstream-group.js';
import type { Exchange } from './exchange.js';
import { ExchangeError, isConnectError, upstreamFailure } from './errors.js';
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
const DROP_LENGTHS = new Set([2, 7, 10, 12, 16, 17, 18]);
/** A Connection header that names no other header (the usual case). */
const SIMPLE_CONNECTION = /^\s*(?:keep-alive|close)\s*$/i;

export class UpstreamCall implements Dispatcher.DispatchHandler {
  private target: UpstreamTarget | undefined;
  private abortFn: ((err?: Error) => void) | null = null;
  private resumeFn: (() => void) | null = null;
  private responded = false;
  private finished = false;
  private cancelled: Error | undefined;
  private attempts = 0;

  constructor(
    private readonly ex: Exchange,
    private readonly group: UpstreamGroup,
    private readonly body: AsyncIterable<Buffer> | Buffer | null,
    private readonly log: GatewayLog,
  ) {}

  start(exclude?: UpstreamTarget): void {
    const ex = this.ex;
    const now = performance.now();
    const target = this.group.pick(now, exclude);
    if (!target) return this.fail(new ExchangeError(502, 'no_upstream_target', 'no target to try'));
    this.target = target;
    this.attempts++;
    ex.upstreamTarget = target.origin;
    if (ex.upstreamStart === 0) ex.upstreamStart = now;
    try {
      target.pool.dispatch(
        {
          path: ex.path + ex.query,
          method: ex.method,
          headers: this.upstreamHeaders(target),
          body: this.body as Dispatcher.DispatchOptions['body'],
          // Ours to decide: retries happen here, only before anything was sent.
          idempotent: false,
        },
        this,
      );
    } catch (err) {
      this.onError(err as Error);
    }
  }

  private upstreamHeaders(target: UpstreamTarget): string[] {
    const ex = this.ex;
    const headers = this.attempts === 1 ? ex.forwardHeaders : [...ex.forwardHeaders];
    const mode = this.group.settings.hostHeader;
    if (mode !== 'preserve') {
      const host = mode === 'target' ? new URL(target.origin).host : mode;
      for (let i = 0; i < headers.length; i += 2) {
        if (headers[i]!.length === 4 && headers[i]!.toLowerCase() === 'host') headers[i + 1] = host;
      }
      if (ex.rawHost === undefined) headers.push('host', host);
    }
    if (this.attempts === 1) {
      headers.push(
        'x-forwarded-for',
        ex.xForwardedFor === undefined ? ex.peerIp : `${ex.xForwardedFor}, ${ex.peerIp}`,
        'x-forwarded-proto',
        ex.xForwardedProto ?? (ex.listener.tls ? 'https' : 'http'),
        'x-request-id',
        ex.id,
      );
      const fwdHost = ex.xForwardedHost ?? ex.rawHost;
      if (fwdHost !== undefined) headers.push('x-forwarded-host', fwdHost);
    }
    return headers;
  }

  /** Stops the call: the client left, or its body broke a limit. */
  cancel(reason: Error): void {
    if (this.finished) return;
    this.cancelled = reason;
    if (this.abortFn) this.abortFn(reason);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.cancelled) abort(this.cancelled);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: the client already got its own 100 Continue.
    const ex = this.ex;
    const res = ex.res!;
    this.responded = true;
    this.resumeFn = resume;
    ex.upstreamHeadersAt = performance.now();
    ex.upstreamStatus = statusCode;
    this.group.reportSuccess(this.target!);
    if (res.destroyed) return false;

    const out: string[] = [];
    let extraHop: string | undefined;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString('latin1');
      if (DROP_LENGTHS.has(name.length) || name.length === 25) {
        const lower = name.toLowerCase();
        if (DROP_RESPONSE.has(lower)) {
          if (lower === 'connection') extraHop = rawHeaders[i + 1]!.toString('latin1');
          continue;
        }
        if (lower === 'strict-transport-security' && ex.listener.hsts) continue;
      }
      out.push(name, rawHeaders[i + 1]!.toString('latin1'));
    }
    if (extraHop !== undefined && !SIMPLE_CONNECTION.test(extraHop)) dropConnectionTokens(out, extraHop);
    out.push('x-request-id', ex.id);
    if (ex.listener.hsts) out.push('strict-transport-security', ex.listener.hsts);
    if (ex.responseHeaders) for (const h of ex.responseHeaders) out.push(h);
    ex.status = statusCode;
    try {
      res.writeHead(statusCode, out);
    } catch (err) {
      // An upstream header Node refuses to send (invalid characters): not the client's fault.
      this.log.warn({ err: (err as Error).message, upstream: this.target?.origin }, 'invalid upstream response header');
      this.responded = false;
      this.abortFn?.(new ExchangeError(502, 'upstream_bad_header', 'invalid upstream response header'));
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.ex.res!;
    this.ex.bytesOut += chunk.length;
    if (res.write(chunk)) return true;
    res.once('drain', this.resumeFn!);
    return false;
  }

  onComplete(): void {
    this.finished = true;
    this.ex.res!.end();
  }

  onError(err: Error): void {
    if (this.finished) return;
    const failure = upstreamFailure(this.cancelled ?? err);
    if (!this.responded && !this.cancelled && this.target) {
      if (failure.countsAgainstTarget) this.group.reportFailure(this.target, performance.now());
      // Nothing reached the target: another target may take it, if the body can be sent again.
      const replayable = this.body === null || Buffer.isBuffer(this.body);
      if (isConnectError(err) && replayable && this.attempts <= this.group.settings.retries && this.group.targets.length > 1) {
        this.abortFn = null;
        return this.start(this.target);
      }
    }
    this.finished = true;
    this.fail(this.cancelled ?? err, failure);
  }

  private fail(err: Error, failure = upstreamFailure(err)): void {
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
    ex.status = failure.status;
    const close = failure.status === 413 || failure.status === 408 || (ex.bodyLength !== 0 && !ex.req.readableEnded);
    const headers: string[] = ['x-request-id', ex.id];
    if (ex.listener.hsts) headers.push('strict-transport-security', ex.listener.hsts);
    writeReply(res, {
      status: failure.status,
      contentType: 'application/json',
      body: jsonError(failure.status, CODES[failure.status] ?? failure.code, ex.id),
      headers,
      close,
    });
    if (close) closeAfter(res);
  }
}

/** Once the reply is flushed, closes its connection (an unread body must not keep it busy). */
export function closeAfter(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) return;
  res.once('finish', () => socket.destroySoon());
}

function dropConnectionTokens(headers: string[], connection: string): void {
  for (const t of connection.toLowerCase().split(',')) {
    const token = t.trim();
    if (token === '' || token === 'close' || token === 'keep-alive') continue;
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      if (headers[i]!.toLowerCase() === token) headers.splice(i, 2);
    }
  }
}
