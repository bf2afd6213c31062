// The access record: one JSON line per request with who, what, the outcome, the timings and every
// guard's verdict. It holds the path but never the query string, headers or bodies: those can carry
// credentials, tokens and card numbers, and the log is read by many.
import type { Exchange } from '../gateway/exchange.js';
import type { Verdict } from '../gateway/guard.js';
import type { RejectedRequest } from '../gateway/listener.js';
import type { LineWriter } from './line-writer.js';

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export class AccessLog {
  constructor(private readonly out: LineWriter) {}

  readonly exchange = (ex: Exchange): void => {
    const end = performance.now();
    const record: Record<string, unknown> = {
      time: new Date(ex.time).toISOString(),
      type: 'access',
      requestId: ex.id,
      listener: ex.listener.name,
      clientIp: ex.clientIp || ex.peerIp,
      method: ex.method,
      host: ex.host,
      path: ex.path || pathOnly(ex.req.url),
      route: ex.route?.name ?? null,
      status: ex.status,
      bytesIn: ex.bytesIn,
      bytesOut: ex.bytesOut,
      durationMs: round(end - ex.start),
      upstream: ex.upstreamTarget ?? null,
      upstreamStatus: ex.upstreamStatus || null,
      upstreamMs: ex.upstreamStart && ex.upstreamHeadersAt ? round(ex.upstreamHeadersAt - ex.upstreamStart) : null,
      verdicts: ex.verdicts.map(verdictRecord),
    };
    if (ex.error !== undefined) record.error = ex.error;
    this.out.write(JSON.stringify(record));
  };

  readonly rejected = (r: RejectedRequest): void => {
    this.out.write(
      JSON.stringify({
        time: new Date(r.time).toISOString(),
        type: 'access',
        requestId: null,
        listener: r.listener,
        clientIp: r.peerIp,
        status: r.status,
        error: r.error,
      }),
    );
  };
}

/** What the log keeps of a verdict: who decided what, by which rule and why. */
function verdictRecord(v: Verdict): Record<string, string> {
  const r: Record<string, string> = { guard: v.guard, action: v.action };
  if (v.rule !== undefined) r.rule = v.rule;
  if (v.reason !== undefined) r.reason = v.reason;
  return r;
}

/** The path of a raw target, for records of requests refused before it was parsed. */
function pathOnly(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  const p = q === -1 ? url : url.slice(0, q);
  return p.length > 256 ? `${p.slice(0, 256)}…` : p;
}
