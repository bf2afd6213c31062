// A traffic listener: a node:http or node:https server feeding the gateway, with the parser limits
// (head size → 431, request line → 414), slow-client timeouts (408) and a clean answer for every
// request the HTTP parser refuses (smuggling shapes among them) before any stage sees it.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { GatewaySettings, ListenerSettings } from '../config/settings.js';
import { formatAddress } from '../config/units.js';
import { normalizeIp } from '../util/ip.js';
import { contextOptions, SniContexts } from '../tls/server-contexts.js';
import { ExchangeError } from './errors.js';
import type { Exchange, ListenerInfo } from './exchange.js';
import { kExchange, type Gateway } from './gateway.js';
import { CODES, jsonError, writeRawReply, writeReply } from './local-reply.js';
import { closeAfter } from './upstream-call.js';

/** A connection refused before it became an exchange (the parser said no). */
export interface RejectedRequest {
  readonly time: number;
  readonly listener: string;
  readonly peerIp: string;
  readonly status: number;
  readonly error: string;
}

type ServerWithOptions = http.Server | https.Server;

/** What decides whether a listener can be updated in place or must be re-created. */
export function listenerIdentity(l: ListenerSettings, s: GatewaySettings): string {
  return JSON.stringify([l.host, l.port, l.tls !== undefined, s.limits.maxHeaderBytes]);
}

function clientErrorStatus(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, maxUriBytes: number): { status: number; error: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW': {
      // The request line alone too long is 414; otherwise the head is too large.
      const raw = err.rawPacket;
      if (raw) {
        const eol = raw.indexOf('\r\n');
        if (eol === -1 ? raw.length > maxUriBytes : eol > maxUriBytes + 16) return { status: 414, error: 'request line too long' };
      }
      return { status: 431, error: 'request head too large' };
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return { status: 408, error: 'client too slow to send the request head' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, error: 'both Content-Length and Transfer-Encoding' };
    case 'HPE_INVALID_CONTENT_LENGTH':
      return { status: 400, error: 'invalid Content-Length' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return { status: 400, error: 'invalid Transfer-Encoding' };
    case 'HPE_INVALID_CHUNK_SIZE':
      return { status: 400, error: 'invalid chunk size' };
    case 'HPE_INVALID_METHOD':
      return { status: 400, error: 'invalid method' };
    case 'HPE_INVALID_URL':
      return { status: 400, error: 'invalid request target' };
    case 'HPE_INVALID_VERSION':
      return { status: 400, error: 'invalid HTTP version' };
    case 'HPE_INVALID_HEADER_TOKEN':
      return { status: 400, error: 'invalid header' };
    default:
      return { status: 400, error: `malformed request (${err.code ?? 'parse error'})` };
  }
}

export class Listener {
  readonly server: ServerWithOptions;
  readonly info: ListenerInfo & { hsts: string | undefined };
  private sni: SniContexts | undefined;
  private readonly sockets = new Set<Socket>();
  address: AddressInfo | undefined;

  constructor(
    readonly settings: ListenerSettings,
    gatewaySettings: GatewaySettings,
    private readonly gateway: Gateway,
    private readonly onRejected: (r: RejectedRequest) => void,
  ) {
    this.info = { name: settings.name, tls: settings.tls !== undefined, hsts: settings.tls?.hsts };
    const t = gatewaySettings.timeouts;
    const options: http.ServerOptions = {
      maxHeaderSize: gatewaySettings.limits.maxHeaderBytes,
      headersTimeout: t.clientHeadersMs,
      // The whole-request deadline is ours (idle body timer); Node's would cut long uploads.
      requestTimeout: 0,
      keepAliveTimeout: t.keepAliveMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(t.clientHeadersMs / 4))),
      // We answer a missing Host ourselves, with the same JSON error as everything else.
      requireHostHeader: false,
      joinDuplicateHeaders: false,
      insecureHTTPParser: false,
      noDelay: true,
    };
    if (settings.tls) {
      this.sni = new SniContexts(settings.tls);
      this.server = https.createServer({
        ...options,
        ...contextOptions(settings.tls),
        SNICallback: this.sni.callback,
      });
      this.server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
    } else {
      this.server = http.createServer(options);
    }
    this.applyLimits(gatewaySettings);
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => gateway.handleRequest(req, res, this.info));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => gateway.handleUpgrade(req, socket, head, this.info));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Limits and timeouts that can change without re-creating the server. */
  applyLimits(s: GatewaySettings): void {
    const server = this.server;
    // One over the limit, so that the gateway sees that there were too many (Node would silently drop them).
    server.maxHeadersCount = s.limits.maxHeaderCount + 1;
    server.headersTimeout = s.timeouts.clientHeadersMs;
    server.keepAliveTimeout = s.timeouts.keepAliveMs;
  }

  /** New settings for the same identity: limits, HSTS, certificates. */
  update(settings: ListenerSettings, gatewaySettings: GatewaySettings): void {
    this.applyLimits(gatewaySettings);
    this.info.hsts = settings.tls?.hsts;
    if (settings.tls && this.sni) {
      this.sni.update(settings.tls);
      (this.server as https.Server).setSecureContext(contextOptions(settings.tls));
    }
  }

  private clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, error } = clientErrorStatus(err, this.gateway.runtime.settings.limits.maxUriBytes);
    const pending = (socket as Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage;
    if (pending) {
      // A request is in progress (its body broke the framing): it ends through its own exchange,
      // which stops the upstream call and answers if nothing was sent yet.
      const ex = (pending as http.ServerResponse & { [kExchange]?: Exchange })[kExchange];
      if (ex) ex.error = error;
      if (ex?.inProgress) ex.cancel(new ExchangeError(status, CODES[status] ?? 'bad_request', error));
      else if (!pending.headersSent) {
        writeReply(pending, { status, contentType: 'application/json', body: jsonError(status, CODES[status] ?? 'bad_request', ex?.id || 'none'), headers: [], close: true });
        closeAfter(pending);
      } else socket.destroy();
      return;
    }
    this.onRejected({ time: Date.now(), listener: this.settings.name, peerIp: normalizeIp(socket.remoteAddress ?? ''), status, error });
    writeRawReply(socket, {
      status,
      contentType: 'application/json',
      body: jsonError(status, CODES[status] ?? 'bad_request', 'none'),
      headers: [],
      close: true,
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.settings.host, port: this.settings.port, backlog: 4096 }, () => {
        this.server.off('error', onError);
        this.address = this.server.address() as AddressInfo;
        resolve(this.address);
      });
    });
  }

  get url(): string {
    const a = this.address;
    return `${this.info.tls ? 'https' : 'http'}://${a ? formatAddress(a.address, a.port) : formatAddress(this.settings.host, this.settings.port)}`;
  }

  /** Stops accepting; idle keep-alive connections are closed, busy ones finish their request. */
  stopAccepting(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  closeIdle(): void {
    this.server.closeIdleConnections();
  }

  destroyAll(): void {
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
  }
}
