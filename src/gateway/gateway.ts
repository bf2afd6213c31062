// The request lifecycle of one worker:
//
//   head (framing, client, id) → target (normalised path) → route → guards → [body guards] →
//   upstream (streamed both ways, back-pressure) → response → observers (access log, …)
//
// A Gateway holds the current runtime (router, guards, upstream pools built from one settings
// snapshot). A reload builds a new runtime beside the old one and swaps a single reference;
// requests in flight finish on the runtime they started with.
import { nextRequestId } from '../util/request-id.js';
import type { Socket } from 'node:net';
import type { GatewaySettings, UpstreamSettings } from '../config/settings.js';
import type { HttpRequest } from '../http1/request.js';
import type { HttpResponse } from '../http1/response.js';
import { buildGuards } from '../guards/registry.js';
import { RateLimitState } from '../guards/rate-limit/rate-limit-guard.js';
import { Router } from '../routing/router.js';
import { UpstreamGroup, type HealthListener } from '../routing/upstream-group.js';
import { IpSet, parseCidr } from '../util/ip.js';
import { Exchange, type ListenerInfo } from './exchange.js';
import { clientBodyTimeout, clientClosed } from './errors.js';
import { runBodyGuards, runRequestGuards, type Guard, type Verdict } from './guard.js';
import { CODES, denyReply, jsonError, writeReply, type LocalReply } from './local-reply.js';
import { HOST_RE, readHead } from './request-head.js';
import { normalizeHost } from '../match/host.js';
import { bufferBodyPrefix, ExchangeBody, type BodyProgress } from './request-body.js';
import { parseRequestTarget, TargetError } from './request-target.js';
import { closeAfter, UpstreamCall } from './upstream-call.js';
import { forwardUpgrade } from './websocket.js';

/** Observers see every finished exchange; they must not throw or block. */
export type Observer = (ex: Exchange) => void;

export interface GatewayLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export class GatewayRuntime {
  readonly router: Router;
  readonly guards: readonly Guard[];
  /** Guards that look at responses, and guards told when an exchange ends. */
  readonly responseGuards: readonly Guard[] | undefined;
  readonly completeGuards: readonly Guard[] | undefined;
  readonly trusted: IpSet;
  readonly upstreams: Map<string, UpstreamGroup>;

  constructor(
    readonly settings: GatewaySettings,
    upstreams: Map<string, UpstreamGroup>,
    rateLimitState: RateLimitState,
  ) {
    this.upstreams = upstreams;
    this.router = new Router(settings.routes, upstreams);
    this.guards = buildGuards({ settings, rateLimitState });
    const responseGuards = this.guards.filter((g) => g.onResponseHead !== undefined || g.onResponseBody !== undefined);
    const completeGuards = this.guards.filter((g) => g.onComplete !== undefined);
    this.responseGuards = responseGuards.length > 0 ? responseGuards : undefined;
    this.completeGuards = completeGuards.length > 0 ? completeGuards : undefined;
    this.trusted = new IpSet();
    for (const entry of settings.trustedProxies) this.trusted.add(parseCidr(entry));
  }
}

const kExchange = Symbol('portcullis.exchange');
type TrackedResponse = HttpResponse & { [kExchange]?: Exchange };

/** Replaces (or adds) the Host field in a flat header list. */
function setHostHeader(headers: string[], host: string): void {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length === 4 && headers[i]!.toLowerCase() === 'host') {
      headers[i + 1] = host;
      return;
    }
  }
  headers.push('host', host);
}

function sameUpstream(a: UpstreamSettings, b: UpstreamSettings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class Gateway {
  runtime: GatewayRuntime;
  readonly rateLimitState: RateLimitState;
  /** Exchanges in progress (requests and upgraded connections). */
  inflight = 0;
  draining = false;
  private readonly bodies = new Map<Exchange, BodyProgress>();
  private readonly upgraded = new Set<Socket>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly observers: Observer[] = [];

  constructor(
    settings: GatewaySettings,
    readonly log: GatewayLog,
    options: { sharedRateLimits?: boolean } = {},
  ) {
    this.rateLimitState = new RateLimitState(options.sharedRateLimits ?? false);
    this.runtime = new GatewayRuntime(settings, this.buildUpstreams(settings, new Map()), this.rateLimitState);
    // One timer for all exchanges: request bodies that stopped arriving.
    this.sweeper = setInterval(() => this.sweep(), 250);
    this.sweeper.unref();
  }

  addObserver(o: Observer): void {
    this.observers.push(o);
  }

  private readonly onHealth: HealthListener = (e) => {
    if (e.state === 'down') this.log.warn(e, 'upstream target taken out after failures');
    else this.log.info(e, 'upstream target back');
  };

  private buildUpstreams(settings: GatewaySettings, previous: ReadonlyMap<string, UpstreamGroup>): Map<string, UpstreamGroup> {
    const out = new Map<string, UpstreamGroup>();
    for (const [name, u] of Object.entries(settings.upstreams)) {
      const old = previous.get(name);
      out.set(name, old && sameUpstream(old.settings, u) ? old : new UpstreamGroup(u, this.onHealth));
    }
    return out;
  }

  /** Builds the new runtime beside the old and swaps; throws (keeping the old) if it can't. */
  apply(settings: GatewaySettings): void {
    const old = this.runtime;
    const upstreams = this.buildUpstreams(settings, old.upstreams);
    let next: GatewayRuntime;
    try {
      next = new GatewayRuntime(settings, upstreams, this.rateLimitState);
    } catch (err) {
      for (const [name, g] of upstreams) if (old.upstreams.get(name) !== g) g.close();
      throw err;
    }
    this.runtime = next;
    for (const g of old.guards) g.close?.();
    for (const [name, g] of old.upstreams) if (upstreams.get(name) !== g) g.close();
  }

  private sweep(): void {
    const now = performance.now();
    const limit = this.runtime.settings.timeouts.clientBodyMs;
    for (const [ex, progress] of this.bodies) {
      if (ex.req.readableEnded || ex.req.destroyed) {
        this.bodies.delete(ex);
      } else if (now - progress.lastActivity > limit) {
        this.bodies.delete(ex);
        ex.cancel(clientBodyTimeout());
      }
    }
  }

  /** Sweeps idle rate-limit keys (called by the worker on a slower timer). */
  sweepRateLimits(): void {
    this.rateLimitState.sweep(performance.now());
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  readonly handleRequest = (req: HttpRequest, res: HttpResponse, listener: ListenerInfo): void => {
    const rt = this.runtime;
    const ex = new Exchange(req, res, listener, performance.now());
    (res as TrackedResponse)[kExchange] = ex;
    ex.responseGuards = rt.responseGuards;
    ex.completeGuards = rt.completeGuards;
    this.inflight++;
    res.on('close', this.onResponseClose);
    if (this.draining) res.shouldKeepAlive = false;

    const headError = readHead(ex, req.rawHeaders, rt.trusted, rt.settings.limits.maxHeaderCount);
    if (headError) {
      ex.error = headError.reason;
      return this.reply(ex, headError.status, headError.code, true);
    }
    if (ex.method === 'CONNECT') {
      ex.error = 'CONNECT is not proxied';
      return this.reply(ex, 405, 'method_not_allowed', true);
    }
    try {
      const target = parseRequestTarget(req.url, rt.settings.limits.maxUriBytes);
      ex.path = target.path;
      ex.query = target.query;
      if (target.authority !== undefined) {
        // Absolute form: the target's authority is the host (RFC 9112 §3.2.2).
        if (!HOST_RE.test(target.authority)) throw new TargetError('invalid host in request target');
        ex.rawHost = target.authority;
        ex.host = normalizeHost(target.authority);
        setHostHeader(ex.forwardHeaders, target.authority);
      }
    } catch (err) {
      if (!(err instanceof TargetError)) throw err;
      ex.error = err.message;
      return this.reply(ex, err.status, CODES[err.status] ?? 'bad_request', true);
    }
    if (ex.bodyLength > rt.settings.limits.maxBodyBytes) {
      ex.error = 'declared body over the limit';
      return this.reply(ex, 413, 'payload_too_large', true);
    }
    const match = rt.router.match(ex.host, ex.path, ex.method);
    if (typeof match !== 'string') ex.route = match;

    let verdict: Verdict | undefined | Promise<Verdict | undefined>;
    try {
      verdict = runRequestGuards(rt.guards, ex);
    } catch (err) {
      return this.internalError(ex, err);
    }
    if (verdict instanceof Promise) {
      verdict.then(
        (v) => this.afterGuards(ex, rt, v, match),
        (err: unknown) => this.internalError(ex, err),
      );
    } else {
      this.afterGuards(ex, rt, verdict, match);
    }
  };

  private afterGuards(ex: Exchange, rt: GatewayRuntime, verdict: Verdict | undefined, match: ReturnType<Router['match']>): void {
    if (verdict !== undefined) return this.replyVerdict(ex, rt, verdict);
    if (match === 'no-route') return this.reply(ex, 404, 'not_found', false);
    if (match === 'method-not-allowed') return this.reply(ex, 405, 'method_not_allowed', false);
    const hasBody = ex.bodyLength !== 0;
    const bodyGuards = hasBody ? rt.guards.filter((g) => g.wantsBody?.(ex) === true) : [];
    if (bodyGuards.length === 0) return this.forward(ex, rt);
    this.inspectBody(ex, rt, bodyGuards).catch((err: unknown) => this.failBeforeResponse(ex, err));
  }

  private async inspectBody(ex: Exchange, rt: GatewayRuntime, guards: Guard[]): Promise<void> {
    const progress: BodyProgress = { lastActivity: performance.now() };
    this.bodies.set(ex, progress);
    ex.inProgress = { cancel: (reason) => ex.req.destroy(reason) };
    const limit = Math.max(...guards.map((g) => g.bodyLimit ?? rt.settings.limits.maxBodyBytes));
    const { chunks, complete } = await bufferBodyPrefix(ex, ex.req, limit, rt.settings.limits.maxBodyBytes, progress);
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const verdict = await runBodyGuards(guards, ex, body.length > limit ? body.subarray(0, limit) : body, !complete);
    if (verdict) return this.replyVerdict(ex, rt, verdict);
    this.forward(ex, rt, chunks, complete);
  }

  private forward(ex: Exchange, rt: GatewayRuntime, prefix?: Buffer[], prefixComplete = false): void {
    const route = ex.route!;
    let body: ExchangeBody | null = null;
    if (ex.bodyLength !== 0) {
      const max = rt.settings.limits.maxBodyBytes;
      if (prefix && prefixComplete) {
        // All of it is in hand: send it with its length, even if the client sent it chunked.
        body = new ExchangeBody(ex, prefix, null, prefix.reduce((n, c) => n + c.length, 0), max);
      } else {
        body = new ExchangeBody(ex, prefix ?? null, ex.req, ex.bodyLength, max);
        this.bodies.set(ex, body);
      }
    }
    const call = new UpstreamCall(ex, route.upstream, body, this.log, this.onResponseBlocked);
    ex.inProgress = call;
    call.start();
  }

  /** A response guard refused the upstream's response: the client gets the denial instead. */
  private readonly onResponseBlocked = (ex: Exchange, v: Verdict): void => {
    ex.verdicts.push(v);
    this.replyVerdict(ex, this.runtime, v);
  };

  private replyVerdict(ex: Exchange, rt: GatewayRuntime, v: Verdict): void {
    ex.error = v.reason ?? v.action;
    if (v.action === 'block' && v.status === undefined) {
      const deny = denyReply(rt.settings.denyResponse, ex.id);
      return this.send(ex, { ...deny, headers: v.headers ?? [], close: this.unreadBody(ex) });
    }
    const status = v.status ?? 403;
    return this.send(ex, {
      status,
      contentType: 'application/json',
      body: jsonError(status, v.code ?? CODES[status] ?? 'forbidden', ex.id),
      headers: v.headers ?? [],
      close: this.unreadBody(ex),
    });
  }

  /** A body we would have to read and discard: cheaper and safer to close the connection. */
  private unreadBody(ex: Exchange): boolean {
    return ex.bodyLength !== 0 && !ex.req.readableEnded;
  }

  private reply(ex: Exchange, status: number, code: string, close: boolean): void {
    if (ex.error === undefined) ex.error = code;
    // Refused before the head was read through: still give the client and the log an id.
    if (ex.id === '') ex.id = nextRequestId();
    this.send(ex, {
      status,
      contentType: 'application/json',
      body: jsonError(status, code, ex.id),
      headers: [],
      close: close || this.unreadBody(ex),
    });
  }

  private send(ex: Exchange, reply: LocalReply): void {
    const res = ex.res!;
    if (res.headersSent || res.destroyed) return;
    const headers = [...reply.headers];
    if (ex.id) headers.push('x-request-id', ex.id);
    if (ex.listener.hsts) headers.push('strict-transport-security', ex.listener.hsts);
    ex.status = reply.status;
    writeReply(res, { ...reply, headers });
    if (reply.close) closeAfter(res);
  }

  private failBeforeResponse(ex: Exchange, err: unknown): void {
    const e = err as { status?: number; code?: string; message?: string };
    if (typeof e.status === 'number' && typeof e.code === 'string') {
      ex.error = e.code;
      return this.reply(ex, e.status, e.code, true);
    }
    if (ex.res?.destroyed || ex.req.destroyed) return;
    this.internalError(ex, err);
  }

  private internalError(ex: Exchange, err: unknown): void {
    this.log.error({ err, requestId: ex.id }, 'request failed inside the gateway');
    ex.error = 'internal_error';
    if (ex.res && !ex.res.headersSent) this.reply(ex, 500, 'internal_error', true);
    else ex.res?.destroy();
  }

  /** One 'close' listener for all responses (no closure per request): `this` is the response. */
  private readonly onResponseClose: (this: HttpResponse) => void = (() => {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const gateway = this;
    return function (this: HttpResponse) {
      gateway.finishResponse(this);
    };
  })();

  /** Writes down how the exchange ended and hands it to the observers. */
  finishResponse(res: HttpResponse): void {
    const ex = (res as TrackedResponse)[kExchange];
    if (!ex || ex.logged) return;
    ex.logged = true;
    this.inflight--;
    this.bodies.delete(ex);
    if (!res.writableFinished) {
      // The client went away before the response was complete.
      ex.cancel(clientClosed());
      if (ex.status === 0 || !res.headersSent) {
        ex.status = 499;
        ex.error ??= 'client_closed';
      }
    } else if (ex.status === 0) {
      ex.status = res.statusCode;
    }
    const done = ex.completeGuards;
    if (done) {
      for (const g of done) {
        try {
          g.onComplete!(ex);
        } catch (err) {
          this.log.error({ err, guard: g.name }, 'guard failed at the end of an exchange');
        }
      }
    }
    this.observe(ex);
  }

  observe(ex: Exchange): void {
    for (const o of this.observers) {
      try {
        o(ex);
      } catch (err) {
        this.log.error({ err }, 'observer failed');
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // WebSocket and other upgrades

  readonly handleUpgrade = (req: HttpRequest, socket: Socket, head: Buffer, listener: ListenerInfo): void => {
    forwardUpgrade(this, req, socket, head, listener);
  };

  trackUpgraded(socket: Socket): void {
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
  }

  get upgradedCount(): number {
    return this.upgraded.size;
  }

  /** Ends upgraded connections (drain deadline). */
  destroyUpgraded(): void {
    for (const s of this.upgraded) s.destroy();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const g of this.runtime.guards) g.close?.();
    for (const u of this.runtime.upstreams.values()) u.close();
  }

  destroy(): void {
    clearInterval(this.sweeper);
    this.destroyUpgraded();
    for (const u of this.runtime.upstreams.values()) u.destroy();
  }
}

export { kExchange };
