// Token-bucket limits as GCRA (generic cell rate algorithm): one number per key, the theoretical
// arrival time (TAT). A request is allowed when, after adding one emission interval T, the TAT is
// no further than burst×T ahead of now. A key whose TAT has passed holds a full bucket, exactly
// like a key never seen, so it can be forgotten without changing any decision: that is how idle
// keys expire. The map is kept in least-recently-used order (a touched key moves to the end), so
// expiry sweeps from the front and stops at the first live key, and when more than maxKeys are
// live the least recently used are evicted first.

export interface TakeResult {
  allowed: boolean;
  /** Requests still allowed right now after this one. */
  remaining: number;
  /** When denied: ms until one request would be allowed. */
  retryAfterMs: number;
  /** ms until the bucket is full again. */
  resetMs: number;
}

/** A nanosecond: far below any rate's interval, far above a double's rounding of a clock reading. */
const EPSILON_MS = 1e-6;

export class GcraStore {
  /** Emission interval: ms per request at the sustained rate. */
  readonly intervalMs: number;
  /** burst × interval: how far ahead of now the TAT may run. */
  readonly toleranceMs: number;
  private readonly tats = new Map<string, number>();
  /** Local consumption not yet shared with other workers (key → count); null when not shared. */
  private pending: Map<string, number> | null;
  /** One result object, reused: callers read it before the next take(). */
  private readonly result: TakeResult = { allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 0 };
  evictions = 0;

  constructor(
    count: number,
    periodMs: number,
    readonly burst: number,
    readonly maxKeys: number,
    shared = false,
  ) {
    this.intervalMs = periodMs / count;
    this.toleranceMs = burst * this.intervalMs;
    this.pending = shared ? new Map() : null;
  }

  get size(): number {
    return this.tats.size;
  }

  take(key: string, now: number): TakeResult {
    const r = this.result;
    const stored = this.tats.get(key);
    const tat = stored === undefined || stored < now ? now : stored;
    const next = tat + this.intervalMs;
    const ahead = next - now;
    // Clock readings are fractional milliseconds: (now + interval) - now is not always the
    // interval, and a bucket must not lose a request to the last bit of a double.
    if (ahead > this.toleranceMs + EPSILON_MS) {
      r.allowed = false;
      r.remaining = 0;
      r.retryAfterMs = ahead - this.toleranceMs;
      r.resetMs = tat - now;
      return r;
    }
    if (stored !== undefined) this.tats.delete(key);
    this.tats.set(key, next);
    if (this.pending !== null) this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    if (this.tats.size > this.maxKeys) this.sweep(now, true);
    r.allowed = true;
    r.remaining = Math.floor((this.toleranceMs - ahead + EPSILON_MS) / this.intervalMs);
    r.retryAfterMs = 0;
    r.resetMs = ahead;
    return r;
  }

  /** Applies requests counted by another worker. */
  applyRemote(key: string, count: number, now: number): void {
    const stored = this.tats.get(key);
    const tat = stored === undefined || stored < now ? now : stored;
    const next = Math.min(tat + count * this.intervalMs, now + this.toleranceMs);
    if (stored !== undefined) this.tats.delete(key);
    this.tats.set(key, next);
    if (this.tats.size > this.maxKeys) this.sweep(now, true);
  }

  /** Local counts since the last call, for other workers. */
  drainPending(): Map<string, number> | undefined {
    if (this.pending === null || this.pending.size === 0) return undefined;
    const out = this.pending;
    this.pending = new Map();
    return out;
  }

  /**
   * Forgets keys whose bucket is full again, oldest first, stopping at the first live key; with
   * `enforceCap`, then evicts least recently used keys until at most maxKeys remain.
   */
  sweep(now: number, enforceCap = false): number {
    let removed = 0;
    for (const [key, tat] of this.tats) {
      if (tat > now) break;
      this.tats.delete(key);
      removed++;
    }
    if (enforceCap && this.tats.size > this.maxKeys) {
      // Evict a little more than needed so that a flood does not sweep on every request.
      let excess = this.tats.size - Math.floor(this.maxKeys * 0.95);
      for (const key of this.tats.keys()) {
        if (excess-- <= 0) break;
        this.tats.delete(key);
        this.evictions++;
        removed++;
      }
    }
    if (this.pending !== null && this.pending.size > this.maxKeys) this.pending.clear();
    return removed;
  }
}
