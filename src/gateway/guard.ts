// Guards are the inline stages of the pipeline (acl → rate limit → waf → spec → anomaly). Each one
// reads the exchange and returns a verdict; the first verdict that is not "allow" ends the request
// with a local reply. Guards that must see the body say so, and the pipeline buffers it for them
// (up to their limit) before the request goes upstream.
import type { Exchange } from './exchange.js';

export type GuardAction = 'allow' | 'block' | 'challenge' | 'throttle';

export interface Verdict {
  readonly guard: string;
  readonly action: GuardAction;
  /** The rule or policy that decided, if any. */
  readonly rule?: string;
  /** A short, log-safe reason. */
  readonly reason?: string;
  /** For block/throttle: the status to answer with (default: the configured deny response). */
  readonly status?: number;
  /** For block/throttle: the error code in the JSON body (default "forbidden"). */
  readonly code?: string;
  /** For block/throttle: extra response headers (flat name/value list). */
  readonly headers?: readonly string[];
}

export interface Guard {
  readonly name: string;
  /** Runs once the request head is parsed. Return a constant verdict for "allow" (no allocation). */
  onRequest(ex: Exchange): Verdict | Promise<Verdict>;
  /** Whether this guard needs the request body of this exchange. */
  wantsBody?(ex: Exchange): boolean;
  /** Runs with the buffered body (at most `bodyLimit` bytes; `truncated` when it was longer). */
  onRequestBody?(ex: Exchange, body: Buffer, truncated: boolean): Verdict | Promise<Verdict>;
  /** Bytes of body this guard inspects at most. */
  readonly bodyLimit?: number;
  /**
   * Runs on the upstream's response head (status and the flat header list about to be sent);
   * a verdict other than allow replaces the response with a local one.
   */
  onResponseHead?(ex: Exchange, status: number, headers: readonly string[]): Verdict | undefined;
  /** Whether this guard inspects this exchange's response body (buffered up to responseBodyLimit). */
  wantsResponseBody?(ex: Exchange): boolean;
  readonly responseBodyLimit?: number;
  /** Runs with the buffered response body (`truncated` when it was longer than the limit). */
  onResponseBody?(ex: Exchange, body: Buffer, truncated: boolean): Verdict | undefined;
  /** After the exchange ended, whatever the outcome (never throws). */
  onComplete?(ex: Exchange): void;
  /** Called when the configuration that built this guard is replaced. */
  close?(): void;
}

/** A guard factory registered by name; returns undefined when its config section is absent. */
export interface GuardFactory<Context> {
  readonly name: string;
  create(context: Context): Guard | undefined;
}

export function allowVerdict(guard: string, rule?: string): Verdict {
  return Object.freeze(rule === undefined ? { guard, action: 'allow' } : { guard, action: 'allow', rule });
}

/** Runs the request-head guards in order; resolves to the first decisive verdict, if any. */
export function runRequestGuards(
  guards: readonly Guard[],
  ex: Exchange,
  from = 0,
): Verdict | undefined | Promise<Verdict | undefined> {
  for (let i = from; i < guards.length; i++) {
    const v = guards[i]!.onRequest(ex);
    if (v instanceof Promise) {
      return v.then((verdict) => {
        ex.verdicts.push(verdict);
        return verdict.action === 'allow' ? runRequestGuards(guards, ex, i + 1) : verdict;
      });
    }
    ex.verdicts.push(v);
    if (v.action !== 'allow') return v;
  }
  return undefined;
}

/** Runs the body guards (those that wanted the body) in order. */
export async function runBodyGuards(
  guards: readonly Guard[],
  ex: Exchange,
  body: Buffer,
  truncated: boolean,
): Promise<Verdict | undefined> {
  for (const g of guards) {
    if (!g.onRequestBody) continue;
    const v = await g.onRequestBody(ex, body, truncated);
    ex.verdicts.push(v);
    if (v.action !== 'allow') return v;
  }
  return undefined;
}
