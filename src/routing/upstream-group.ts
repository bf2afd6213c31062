// An upstream: one or more targets, each an undici Pool (keep-alive, bounded connections), chosen
// round robin. Passive health: a target whose connections keep failing is left out for a cooldown;
// after it, one more failure takes it out again at once, a success brings it fully back. When every
// target is out, all are tried anyway (a guess beats a certain 503).
import { Pool } from 'undici';
import type { UpstreamSettings } from '../config/settings.js';

export class UpstreamTarget {
  readonly pool: Pool;
  consecutiveFailures = 0;
  downUntil = 0;

  constructor(
    readonly origin: string,
    settings: UpstreamSettings,
  ) {
    const tls = settings.tls;
    this.pool = new Pool(origin, {
      connections: settings.connections,
      pipelining: 1,
      keepAliveTimeout: settings.keepAliveMs,
      keepAliveMaxTimeout: Math.max(settings.keepAliveMs, 600_000),
      headersTimeout: settings.responseTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
      connect: {
        timeout: settings.connectTimeoutMs,
        ...(tls?.caPem !== undefined ? { ca: tls.caPem } : {}),
        ...(tls?.serverName !== undefined ? { servername: tls.serverName } : {}),
        ...(tls ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
      },
    });
  }
}

export type HealthListener = (event: { upstream: string; target: string; state: 'down' | 'up'; failures: number }) => void;

export class UpstreamGroup {
  readonly name: string;
  readonly targets: UpstreamTarget[];
  private cursor = 0;

  constructor(
    readonly settings: UpstreamSettings,
    private readonly onHealth?: HealthListener,
  ) {
    this.name = settings.name;
    this.targets = settings.targets.map((t) => new UpstreamTarget(t, settings));
  }

  /** The next target in turn that is up and not `exclude`; all of them when none is up. */
  pick(now: number, exclude?: UpstreamTarget): UpstreamTarget | undefined {
    const n = this.targets.length;
    for (let i = 0; i < n; i++) {
      const t = this.targets[(this.cursor + i) % n]!;
      if (t !== exclude && t.downUntil <= now) {
        this.cursor = (this.cursor + i + 1) % n;
        return t;
      }
    }
    for (let i = 0; i < n; i++) {
      const t = this.targets[(this.cursor + i) % n]!;
      if (t !== exclude) {
        this.cursor = (this.cursor + i + 1) % n;
        return t;
      }
    }
    return undefined;
  }

  reportSuccess(t: UpstreamTarget): void {
    if (t.consecutiveFailures === 0) return;
    const wasDown = t.consecutiveFailures >= this.settings.failures;
    t.consecutiveFailures = 0;
    t.downUntil = 0;
    if (wasDown) this.onHealth?.({ upstream: this.name, target: t.origin, state: 'up', failures: 0 });
  }

  reportFailure(t: UpstreamTarget, now: number): void {
    t.consecutiveFailures++;
    if (t.consecutiveFailures >= this.settings.failures) {
      t.downUntil = now + this.settings.cooldownMs;
      this.onHealth?.({ upstream: this.name, target: t.origin, state: 'down', failures: t.consecutiveFailures });
    }
  }

  /** Closes the pools once their in-flight requests are done. */
  async close(): Promise<void> {
    await Promise.allSettled(this.targets.map((t) => t.pool.close()));
  }

  /** Aborts everything at once (drain timeout). */
  async destroy(): Promise<void> {
    await Promise.allSettled(this.targets.map((t) => t.pool.destroy()));
  }
}
