// Upgrades (WebSocket): the request goes through the same head checks, routing and guards as any
// other; once allowed, the gateway opens its own connection to a target, sends the upgrade request
// with the forwarding headers, and from then on copies bytes both ways untouched (the target's 101
// or refusal included). Upgraded connections are tracked so a drain can wait for, then end, them.
import { nextRequestId } from '../util/request-id.js';
import type { HttpRequest } from '../http1/request.js';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { Exchange, type ListenerInfo } from './exchange.js';
import type { Gateway } from './gateway.js';
import { runRequestGuards, type Verdict } from './guard.js';
import { CODES, denyReply, jsonError, writeRawReply } from './local-reply.js';
import { readHead } from './request-head.js';
import { parseRequestTarget, TargetError } from './request-target.js';

function refuse(gateway: Gateway, ex: Exchange, socket: Socket, status: number, code: string, body?: { contentType: string; body: string }, headers: readonly string[] = []): void {
  if (ex.logged) return;
  if (ex.id === '') ex.id = nextRequestId();
  ex.status = status;
  ex.error ??= code;
  writeRawReply(socket, {
    status,
    contentType: body?.contentType ?? 'application/json',
    body: body?.body ?? jsonError(status, code, ex.id || 'none'),
    headers: ex.id ? [...headers, 'x-request-id', ex.id] : headers,
    close: true,
  });
  finish(gateway, ex);
}

function finish(gateway: Gateway, ex: Exchange): void {
  if (ex.logged) return;
  ex.logged = true;
  gateway.inflight--;
  gateway.observe(ex);
}

export function forwardUpgrade(gateway: Gateway, req: HttpRequest, socket: Socket, head: Buffer, listener: ListenerInfo): void {
  const rt = gateway.runtime;
  const ex = new Exchange(req, undefined, listener, performance.now());
  gateway.inflight++;
  socket.on('error', () => socket.destroy());
  const headError = readHead(ex, req.rawHeaders, rt.trusted, rt.settings.limits.maxHeaderCount);
  if (headError) {
    ex.error = headError.reason;
    return refuse(gateway, ex, socket, headError.status, headError.code);
  }
  const upgradeField = req.headers.upgrade;
  const upgrade = Array.isArray(upgradeField) ? upgradeField[0] : upgradeField;
  if (gateway.draining || !upgrade) return refuse(gateway, ex, socket, 503, 'unavailable');
  try {
    const target = parseRequestTarget(req.url, rt.settings.limits.maxUriBytes);
    ex.path = target.path;
    ex.query = target.query;
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    ex.error = err.message;
    return refuse(gateway, ex, socket, err.status, CODES[err.status] ?? 'bad_request');
  }
  const match = rt.router.match(ex.host, ex.path, ex.method);
  if (typeof match !== 'string') ex.route = match;

  const proceed = (verdict: Verdict | undefined) => {
    if (verdict) {
      ex.error = verdict.reason ?? verdict.action;
      if (verdict.action === 'block' && verdict.status === undefined) {
        return refuse(gateway, ex, socket, rt.settings.denyResponse.status, 'forbidden', denyReply(rt.settings.denyResponse, ex.id), verdict.headers);
      }
      const status = verdict.status ?? 403;
      return refuse(gateway, ex, socket, status, verdict.code ?? 'forbidden', undefined, verdict.headers);
    }
    if (match === 'no-route') return refuse(gateway, ex, socket, 404, 'not_found');
    if (match === 'method-not-allowed') return refuse(gateway, ex, socket, 405, 'method_not_allowed');
    connectUpstream(gateway, ex, socket, head, upgrade);
  };
  const verdict = runRequestGuards(rt.guards, ex);
  if (verdict instanceof Promise) verdict.then(proceed, () => refuse(gateway, ex, socket, 500, 'internal_error'));
  else proceed(verdict);
}

function connectUpstream(gateway: Gateway, ex: Exchange, client: Socket, head: Buffer, upgrade: string): void {
  const group = ex.route!.upstream;
  const target = group.pick(performance.now());
  if (!target) return refuse(gateway, ex, client, 502, 'bad_gateway');
  const url = new URL(target.origin);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const s = group.settings;
  ex.upstreamTarget = target.origin;
  ex.upstreamStart = performance.now();
  const upstream: Socket =
    url.protocol === 'https:'
      ? tls.connect({
          host,
          port,
          servername: s.tls?.serverName ?? (net.isIP(host) ? undefined : host),
          rejectUnauthorized: s.tls?.rejectUnauthorized ?? true,
          ...(s.tls?.caPem ? { ca: s.tls.caPem } : {}),
        })
      : net.connect({ host, port });
  let connected = false;
  let clientSawBytes = false;
  upstream.setTimeout(s.connectTimeoutMs, () => {
    if (!connected) {
      group.reportFailure(target, performance.now());
      upstream.destroy();
      ex.error = 'upstream_connect_timeout';
      refuse(gateway, ex, client, 504, 'gateway_timeout');
    }
  });
  upstream.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
    connected = true;
    upstream.setTimeout(0);
    group.reportSuccess(target);
    const headers = [...ex.forwardHeaders];
    if (s.hostHeader !== 'preserve') {
      const h = s.hostHeader === 'target' ? url.host : s.hostHeader;
      for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === 'host') headers[i + 1] = h;
    }
    headers.push(
      'connection', 'upgrade',
      'upgrade', upgrade,
      'x-forwarded-for', ex.xForwardedFor === undefined ? ex.peerIp : `${ex.xForwardedFor}, ${ex.peerIp}`,
      'x-forwarded-proto', ex.xForwardedProto ?? (ex.listener.tls ? 'https' : 'http'),
      'x-request-id', ex.id,
    );
    const fwdHost = ex.xForwardedHost ?? ex.rawHost;
    if (fwdHost !== undefined) headers.push('x-forwarded-host', fwdHost);
    let text = `${ex.method} ${ex.path}${ex.query} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
    upstream.write(`${text}\r\n`, 'latin1');
    if (head.length > 0) upstream.write(head);
    upstream.once('data', (chunk: Buffer) => {
      // "HTTP/1.1 101 ..." — the status is all the log needs from the target's answer.
      const m = /^HTTP\/1\.[01] ([0-9]{3})/.exec(chunk.subarray(0, 16).toString('latin1'));
      ex.status = m ? Number(m[1]) : 502;
      ex.upstreamStatus = ex.status;
      ex.upstreamHeadersAt = performance.now();
    });
    upstream.on('data', (chunk: Buffer) => {
      clientSawBytes = true;
      ex.bytesOut += chunk.length;
    });
    client.on('data', (chunk: Buffer) => {
      ex.bytesIn += chunk.length;
    });
    upstream.pipe(client);
    client.pipe(upstream);
    gateway.trackUpgraded(client);
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (!connected) {
      group.reportFailure(target, performance.now());
      ex.error = `upstream_unreachable:${err.code ?? 'error'}`;
      return refuse(gateway, ex, client, 502, 'bad_gateway');
    }
    ex.error ??= `upstream_error:${err.code ?? 'error'}`;
    client.destroy();
  });
  const done = () => {
    upstream.destroy();
    client.destroy();
    if (!clientSawBytes && ex.status === 0) ex.status = 502;
    finish(gateway, ex);
  };
  upstream.once('close', () => {
    if (connected) done();
  });
  client.once('close', () => {
    if (connected) return done();
    upstream.destroy();
    if (!ex.logged) {
      ex.status ||= 499;
      ex.error ??= 'client_closed';
      finish(gateway, ex);
    }
  });
}
