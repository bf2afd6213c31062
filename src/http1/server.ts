// The gateway's HTTP/1.1 server over node:net or node:tls. It owns its connections (so it can
// close the idle ones on drain and all of them at a deadline) and hands each request to the
// gateway with a response object. Node's own http server was measured at about a fifth of the
// gateway's cost per request (IncomingMessage/ServerResponse streams, a timer per socket); this
// one keeps only what a proxy needs.
import net, { type AddressInfo, type Socket } from 'node:net';
import tls, { type SecureContextOptions, type TlsOptions } from 'node:tls';
import type { RequestLimits } from './request-parser.js';
import { ServerConnection, type ServerContext, type ServerHandlers, type ServerTimeouts } from './server-connection.js';

export interface HttpServerOptions {
  limits: RequestLimits;
  timeouts: ServerTimeouts;
  /** TLS listener when given (SNI etc. as node:tls has them). */
  readonly tls?: TlsOptions;
}

export class HttpServer implements ServerContext {
  readonly server: net.Server | tls.Server;
  private readonly connections = new Set<ServerConnection>();
  draining = false;
  limits: RequestLimits;
  timeouts: ServerTimeouts;

  constructor(
    options: HttpServerOptions,
    readonly handlers: ServerHandlers,
  ) {
    this.limits = options.limits;
    this.timeouts = options.timeouts;
    if (options.tls) {
      const server = tls.createServer({ ...options.tls, allowHalfOpen: true });
      server.on('secureConnection', (socket: tls.TLSSocket) => this.accept(socket));
      server.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => socket.destroy());
      this.server = server;
    } else {
      const server = net.createServer({ allowHalfOpen: true, noDelay: true });
      server.on('connection', (socket: Socket) => this.accept(socket));
      this.server = server;
    }
  }

  private accept(socket: Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    this.connections.add(new ServerConnection(socket, this));
  }

  connectionClosed(conn: ServerConnection): void {
    this.connections.delete(conn);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  listen(host: string, port: number, backlog = 4096): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host, port, backlog }, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo | null {
    return this.server.address() as AddressInfo | null;
  }

  setSecureContext(options: SecureContextOptions): void {
    if (this.server instanceof tls.Server) this.server.setSecureContext(options);
  }

  /** Stops accepting; connections between requests close now, busy ones after their response. */
  close(): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.closeIdleConnections();
    return closed;
  }

  closeIdleConnections(): void {
    for (const c of this.connections) c.closeIfIdle();
  }

  closeAllConnections(): void {
    for (const c of this.connections) c.destroy();
  }
}
