// Rate limits: policies keyed by client IP, by a header (an API key) or by route, each a rate and
// a burst, optionally scoped to routes and a request condition. Over the limit answers 429 with
// Retry-After and the IETF RateLimit / RateLimit-Policy headers; allowed responses carry them too.
import { createHash } from 'node:crypto';
import type { RateLimitSettings } from '../../config/settings.js';
import type { Exchange } from '../../gateway/exchange.js';
import { allowVerdict, type Guard, type Verdict } from '../../gateway/guard.js';
import { compileCondition, type CompiledCondition } from '../../match/condition.js';
import { GcraStore } from './gcra-store.js';

const NAME = 'rateLimit';
const ALLOW = allowVerdict(NAME);

/** Keys longer than this are hashed, so a huge header value cannot take much memory. */
const MAX_KEY_LENGTH = 64;

export interface Policy {
  readonly settings: RateLimitSettings;
  readonly store: GcraStore;
  readonly routes: ReadonlySet<string> | null;
  readonly condition: CompiledCondition;
  readonly policyHeader: string;
  readonly allowVerdict: Verdict;
}

/** Where the stores live across reloads: a policy whose identity is unchanged keeps its counts. */
export class RateLimitState {
  private stores = new Map<string, GcraStore>();

  constructor(private readonly shared: boolean) {}

  static identity(s: RateLimitSettings): string {
    return JSON.stringify([s.name, s.key, s.count, s.periodMs, s.burst, s.maxKeys]);
  }

  /** Stores for a new configuration; stores of removed or changed policies are dropped. */
  storesFor(policies: readonly RateLimitSettings[]): Map<string, GcraStore> {
    const next = new Map<string, GcraStore>();
    for (const p of policies) {
      const id = RateLimitState.identity(p);
      next.set(id, this.stores.get(id) ?? new GcraStore(p.count, p.periodMs, p.burst, p.maxKeys, this.shared));
    }
    this.stores = next;
    return next;
  }

  /** Counts taken locally since the last call, per policy name, for the other workers. */
  drainPending(): [policy: string, entries: [key: string, count: number][]][] {
    const out: [string, [string, number][]][] = [];
    for (const [id, store] of this.stores) {
      const pending = store.drainPending();
      if (pending) out.push([id, [...pending]]);
    }
    return out;
  }

  applyRemote(deltas: readonly [string, readonly [string, number][]][], now: number): void {
    for (const [id, entries] of deltas) {
      const store = this.stores.get(id);
      if (!store) continue;
      for (const [key, count] of entries) store.applyRemote(key, count, now);
    }
  }

  sweep(now: number): void {
    for (const store of this.stores.values()) store.sweep(now);
  }

  get keyCount(): number {
    let n = 0;
    for (const s of this.stores.values()) n += s.size;
    return n;
  }
}

function compactKey(value: string): string {
  return value.length <= MAX_KEY_LENGTH ? value : `#${createHash('sha256').update(value).digest('base64url')}`;
}

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

export class RateLimitGuard implements Guard {
  readonly name = NAME;
  private readonly policies: Policy[];

  constructor(
    settings: readonly RateLimitSettings[],
    lists: Readonly<Record<string, readonly string[]>>,
    state: RateLimitState,
    private readonly clock: () => number = () => performance.now(),
  ) {
    const stores = state.storesFor(settings);
    this.policies = settings.map((s) => {
      const windowSeconds = Math.max(1, Math.round((s.burst * s.periodMs) / s.count / 1000));
      return {
        settings: s,
        store: stores.get(RateLimitState.identity(s))!,
        routes: s.routes ? new Set(s.routes) : null,
        condition: compileCondition(s.match, lists, (path, message) => {
          throw new Error(`rate limit ${s.name}: ${path.join('.')}: ${message}`);
        }),
        policyHeader: `"${s.name}";q=${s.burst};w=${windowSeconds}`,
        allowVerdict: allowVerdict(NAME, s.name),
      };
    });
  }

  private keyOf(p: Policy, ex: Exchange): string | undefined {
    const key = p.settings.key;
    if (key === 'ip') return ex.clientIp;
    if (key === 'route') return ex.route?.name ?? '';
    const value = ex.header(key.header);
    if (value !== undefined && value !== '') return `h:${compactKey(value)}`;
    return p.settings.onMissingKey === 'ip' ? `ip:${ex.clientIp}` : undefined;
  }

  onRequest(ex: Exchange): Verdict {
    const now = this.clock();
    let tightest: Policy | undefined;
    let tightestRemaining = Infinity;
    let tightestReset = 0;
    for (let i = 0; i < this.policies.length; i++) {
      const p = this.policies[i]!;
      if (p.routes !== null && (ex.route === undefined || !p.routes.has(ex.route.name))) continue;
      if (!p.condition.matches(ex)) continue;
      const key = this.keyOf(p, ex);
      if (key === undefined) continue;
      const r = p.store.take(key, now);
      if (!r.allowed) {
        const retryAfter = Math.max(1, seconds(r.retryAfterMs));
        return {
          guard: NAME,
          action: 'throttle',
          rule: p.settings.name,
          reason: 'rate limit exceeded',
          status: 429,
          code: 'rate_limited',
          headers: [
            'retry-after',
            String(retryAfter),
            'ratelimit',
            `"${p.settings.name}";r=0;t=${retryAfter}`,
            'ratelimit-policy',
            p.policyHeader,
          ],
        };
      }
      if (p.settings.headers && r.remaining < tightestRemaining) {
        tightest = p;
        tightestRemaining = r.remaining;
        tightestReset = r.resetMs;
      }
    }
    if (tightest === undefined) return ALLOW;
    ex.addResponseHeader('ratelimit', `"${tightest.settings.name}";r=${tightestRemaining};t=${seconds(tightestReset)}`);
    ex.addResponseHeader('ratelimit-policy', tightest.policyHeader);
    return tightest.allowVerdict;
  }
}
