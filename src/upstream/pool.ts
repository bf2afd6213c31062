// Keep-alive connections to one target, bounded: at most `maxConnections` open; a request that
// finds them all busy waits in a bounded queue (or is refused as busy). The most recently used
// idle connection is taken first, so that spare ones age out at the idle timeout.
import { isIP } from 'node:net';
import type tls from 'node:tls';
import { UpstreamConnection, type ConnectionOptions } from './connection.js';
import { UpstreamError } from './errors.js';

export interface PoolOptions extends Omit<ConnectionOptions, 'host' | 'port' | 'tls'> {
  readonly origin: string;
  readonly maxConnections: number;
  /** Requests that may wait for a connection (beyond this: busy). */
  readonly maxQueue: number;
  readonly tls?: { readonly caPem?: string; readonly serverName?: string; readonly rejectUnauthorized: boolean };
}

/** Who waits for a connection (an object, so that no closure is made per request). */
export interface ConnectionWaiter {
  onConnection(err: UpstreamError | null, conn: UpstreamConnection | null, reused: boolean): void;
}

interface Waiter {
  cb: ConnectionWaiter;
  cancelled: boolean;
}

export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private readonly queue: Waiter[] = [];
  private queueHead = 0;
  private readonly connOptions: ConnectionOptions;
  private closing = false;

  constructor(readonly options: PoolOptions) {
    const url = new URL(options.origin);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const secure = url.protocol === 'https:';
    let tlsOptions: false | tls.ConnectionOptions = false;
    if (secure) {
      const t = options.tls;
      tlsOptions = {
        servername: t?.serverName ?? (isIP(host) !== 0 ? undefined : host),
        rejectUnauthorized: t?.rejectUnauthorized ?? true,
        ALPNProtocols: ['http/1.1'],
        ...(t?.caPem !== undefined ? { ca: t.caPem } : {}),
      };
    }
    this.connOptions = {
      host,
      port: Number(url.port || (secure ? 443 : 80)),
      tls: tlsOptions,
      connectTimeoutMs: options.connectTimeoutMs,
      responseTimeoutMs: options.responseTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
    };
  }

  get size(): number {
    return this.all.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /**
   * Gets a connection: an idle one at once, a new one when under the limit, or a place in the
   * queue. Returns a function that withdraws a queued request.
   */
  acquire(cb: ConnectionWaiter): () => void {
    if (this.closing) {
      cb.onConnection(new UpstreamError('busy', 'upstream pool is closing', true), null, false);
      return noop;
    }
    const conn = this.idle.pop();
    if (conn) {
      cb.onConnection(null, conn, true);
      return noop;
    }
    if (this.all.size < this.options.maxConnections) {
      this.connect(cb);
      return noop;
    }
    if (this.queue.length - this.queueHead >= this.options.maxQueue) {
      cb.onConnection(new UpstreamError('busy', 'all upstream connections are busy', true), null, false);
      return noop;
    }
    const waiter: Waiter = { cb, cancelled: false };
    this.queue.push(waiter);
    return () => {
      waiter.cancelled = true;
    };
  }

  private connect(cb: ConnectionWaiter): void {
    const conn: UpstreamConnection = new UpstreamConnection(this.connOptions, this, (err) => {
      if (err) {
        this.all.delete(conn);
        cb.onConnection(err, null, false);
        // A slot is free again for whoever waits.
        this.serveQueue();
      } else {
        cb.onConnection(null, conn, false);
      }
    });
    this.all.add(conn);
  }

  private nextWaiter(): Waiter | undefined {
    while (this.queueHead < this.queue.length) {
      const w = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      if (!w.cancelled) return w;
    }
    return undefined;
  }

  private serveQueue(): void {
    if (this.queueHead >= this.queue.length) return;
    const idle = this.idle.pop();
    if (idle) {
      const w = this.nextWaiter();
      if (w) w.cb.onConnection(null, idle, true);
      else this.idle.push(idle);
      return;
    }
    if (this.all.size < this.options.maxConnections) {
      const w = this.nextWaiter();
      if (w) this.connect(w.cb);
    }
  }

  /** A connection finished its request and may carry another. */
  release(conn: UpstreamConnection): void {
    if (this.closing) {
      conn.destroy();
      return;
    }
    const w = this.nextWaiter();
    if (w) w.cb.onConnection(null, conn, true);
    else this.idle.push(conn);
  }

  /** A connection closed (for any reason). */
  remove(conn: UpstreamConnection): void {
    if (!this.all.delete(conn)) return;
    const i = this.idle.lastIndexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
    this.serveQueue();
  }

  /** Closes idle connections now and busy ones as they finish. */
  close(): void {
    this.closing = true;
    for (const c of this.idle.splice(0)) c.destroy();
    let w: Waiter | undefined;
    while ((w = this.nextWaiter())) w.cb.onConnection(new UpstreamError('busy', 'upstream pool is closing', true), null, false);
  }

  destroy(): void {
    this.close();
    for (const c of this.all) c.destroy();
  }
}

function noop(): void {
  // nothing to withdraw
}
