// An upstream: one or more targets, each a pool of keep-alive connections (bounded), chosen
// round robin. Passive health: a target whose connections keep failing is left out for a
// cooldown; after it, one more failure takes it out again at once, a success brings it fully
// back. When every target is out, all are tried anyway (a guess beats a certain 503).
import type { UpstreamSettings } from '../config/settings.js';
import { UpstreamPool } from '../upstream/pool.js';

/** Requests that may wait for a busy target's connections, per connection allowed. */
const QUEUE_PER_CONNECTION = 8;

export class UpstreamTarget {
  readonly pool: UpstreamPool;
  consecutiveFailures = 0;
  downUntil = 0;

  constructor(
    readonly origin: string,
    settings: UpstreamSettings,
  ) {
    this.pool = new UpstreamPool({
      origin,
      maxConnections: settings.connections,
      maxQueue: settings.connections * QUEUE_PER_CONNECTION,
      connectTimeoutMs: settings.connectTimeoutMs,
      responseTimeoutMs: settings.responseTimeoutMs,
      bodyTimeoutMs: settings.bodyTimeoutMs,
      idleTimeoutMs: settings.keepAliveMs,
      ...(settings.tls ? { tls: settings.tls } : {}),
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
    if (n === 1) return this.targets[0] === exclude ? undefined : this.targets[0];
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

  /** Closes idle connections now, busy ones when their requests are done. */
  close(): void {
    for (const t of this.targets) t.pool.close();
  }

  /** Closes everything at once (drain deadline). */
  destroy(): void {
    for (const t of this.targets) t.pool.destroy();
  }
}
