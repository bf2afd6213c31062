// A traffic listener: the gateway's HTTP/1.1 server (plain or TLS) feeding the gateway, with the
// parser's limits (head size → 431, request line → 414, header count → 431), slow-client
// timeouts (408) and a clean JSON answer for every request refused before any stage sees it
// (smuggling shapes among them).
import type { AddressInfo, Socket } from 'node:net';
import type { GatewaySettings, ListenerSettings } from '../config/settings.js';
import { formatAddress } from '../config/units.js';
import type { RequestParseError } from '../http1/request-parser.js';
import { HttpServer } from '../http1/server.js';
import { contextOptions, SniContexts } from '../tls/server-contexts.js';
import { normalizeIp } from '../util/ip.js';
import type { ListenerInfo } from './exchange.js';
import type { Gateway } from './gateway.js';
import { CODES, jsonError, writeRawReply } from './local-reply.js';

/** A connection refused before it became an exchange (the parser said no). */
export interface RejectedRequest {
  readonly time: number;
  readonly listener: string;
  readonly peerIp: string;
  readonly status: number;
  readonly error: string;
}

/** What decides whether a listener can be updated in place or must be re-created. */
export function listenerIdentity(l: ListenerSettings): string {
  return JSON.stringify([l.host, l.port, l.tls !== undefined]);
}

function serverLimits(s: GatewaySettings) {
  return {
    limits: { maxHeadBytes: s.limits.maxHeaderBytes, maxUriBytes: s.limits.maxUriBytes, maxHeaderCount: s.limits.maxHeaderCount },
    timeouts: { headersMs: s.timeouts.clientHeadersMs, keepAliveMs: s.timeouts.keepAliveMs, sendMs: s.timeouts.clientBodyMs },
  };
}

export class Listener {
  readonly server: HttpServer;
  readonly info: ListenerInfo & { hsts: string | undefined };
  private sni: SniContexts | undefined;
  address: AddressInfo | undefined;

  constructor(
    readonly settings: ListenerSettings,
    gatewaySettings: GatewaySettings,
    private readonly gateway: Gateway,
    private readonly onRejected: (r: RejectedRequest) => void,
  ) {
    this.info = { name: settings.name, tls: settings.tls !== undefined, hsts: settings.tls?.hsts };
    if (settings.tls) this.sni = new SniContexts(settings.tls);
    this.server = new HttpServer(
      {
        ...serverLimits(gatewaySettings),
        ...(settings.tls && this.sni ? { tls: { ...contextOptions(settings.tls), SNICallback: this.sni.callback } } : {}),
      },
      {
        onRequest: (req, res) => gateway.handleRequest(req, res, this.info),
        onUpgrade: (req, socket, head) => gateway.handleUpgrade(req, socket, head, this.info),
        onRefused: (err, socket) => this.refuse(err, socket),
      },
    );
  }

  /** New settings for the same identity: limits, timeouts, HSTS, certificates. */
  update(settings: ListenerSettings, gatewaySettings: GatewaySettings): void {
    const { limits, timeouts } = serverLimits(gatewaySettings);
    this.server.limits = limits;
    this.server.timeouts = timeouts;
    this.info.hsts = settings.tls?.hsts;
    if (settings.tls && this.sni) {
      this.sni.update(settings.tls);
      this.server.setSecureContext(contextOptions(settings.tls));
    }
  }

  private refuse(err: RequestParseError, socket: Socket): void {
    const status = err.status;
    this.onRejected({ time: Date.now(), listener: this.settings.name, peerIp: normalizeIp(socket.remoteAddress ?? ''), status, error: err.message });
    writeRawReply(socket, {
      status,
      contentType: 'application/json',
      body: jsonError(status, CODES[status] ?? 'bad_request', 'none'),
      headers: [],
      close: true,
    });
  }

  async listen(): Promise<AddressInfo> {
    this.address = await this.server.listen(this.settings.host, this.settings.port);
    // Accept errors after start (EMFILE, …) are reported, not fatal: the listener keeps going.
    this.server.server.on('error', (err: NodeJS.ErrnoException) => {
      this.gateway.log.error({ listener: this.settings.name, code: err.code, error: err.message }, 'listener error');
    });
    return this.address;
  }

  get url(): string {
    const a = this.address;
    return `${this.info.tls ? 'https' : 'http'}://${a ? formatAddress(a.address, a.port) : formatAddress(this.settings.host, this.settings.port)}`;
  }

  /** Stops accepting; idle keep-alive connections are closed, busy ones finish their request. */
  stopAccepting(): Promise<void> {
    return this.server.close();
  }

  closeIdle(): void {
    this.server.closeIdleConnections();
  }

  destroyAll(): void {
    this.server.closeAllConnections();
  }
}
