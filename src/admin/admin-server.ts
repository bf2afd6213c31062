// The admin listener: loopback by default and never the traffic port. Health says the process
// lives; readiness says every worker runs the current configuration and the gateway is not
// draining — what a load balancer or orchestrator should route by.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatAddress } from '../config/units.js';

export interface AdminStatus {
  readonly ready: boolean;
  readonly state: 'starting' | 'ready' | 'reloading' | 'degraded' | 'draining';
  readonly configVersion: number;
  readonly workers: { readonly ready: number; readonly total: number };
  readonly configSource?: string;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export class AdminServer {
  private readonly server: http.Server;
  address: AddressInfo | undefined;

  constructor(private readonly status: () => AdminStatus) {
    this.server = http.createServer({ maxHeaderSize: 16 * 1024, headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
      this.handle(req, res);
    });
    this.server.keepAliveTimeout = 5000;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: 'method_not_allowed' });
    }
    switch (path) {
      case '/healthz':
        return json(res, 200, { status: 'ok' });
      case '/readyz': {
        const s = this.status();
        return json(res, s.ready ? 200 : 503, { status: s.state, ...s });
      }
      default:
        return json(res, 404, { error: 'not_found' });
    }
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        this.address = this.server.address() as AddressInfo;
        resolve(this.address);
      });
    });
  }

  get url(): string {
    return this.address ? `http://${formatAddress(this.address.address, this.address.port)}` : '';
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
