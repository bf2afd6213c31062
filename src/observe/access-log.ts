// The access record: one JSON line per request with who, what, the outcome, the timings and every
// guard's verdict. It holds the path but never the query string, headers or bodies: those can carry
// credentials, tokens and card numbers, and the log is read by many.
//
// It is written for every request, so it is serialised by hand: values that cannot need escaping
// (ids, numbers, names from the config) are copied as they are, the rest goes through one check.
import type { Exchange } from '../gateway/exchange.js';
import type { Verdict } from '../gateway/guard.js';
import type { RejectedRequest } from '../gateway/listener.js';
import type { LineSink } from './line-writer.js';

// Anything JSON would escape, plus everything outside printable ASCII.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** A JSON string literal in pure ASCII (so a line's length is its size in bytes). */
export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Milliseconds to three decimals, as JSON: what String(Math.round(ms * 1000) / 1000) gives, from
 * integers (printing a fractional double is the costliest step of a record otherwise).
 */
export function msText(ms: number): string {
  const us = Math.round(ms * 1000);
  if (!(us >= 0 && us <= 0x7fffffff)) return String(us / 1000);
  const whole = Math.floor(us / 1000);
  const frac = us - whole * 1000;
  if (frac === 0) return `${whole}`;
  if (frac % 100 === 0) return `${whole}.${frac / 100}`;
  if (frac % 10 === 0) return `${whole}.${frac < 100 ? '0' : ''}${frac / 10}`;
  return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

let isoMs = -1;
let isoText = '';
let isoSecond = Number.NaN;
/** "YYYY-MM-DDTHH:MM:SS." of isoSecond. */
let isoPrefix = '';
/**
 * ISO time of a Date.now() value: the date and time of day worked out once per second, the
 * milliseconds appended (at load, many requests share a millisecond and most share a second).
 */
export function isoTime(ms: number): string {
  if (ms === isoMs) return isoText;
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const full = new Date(second * 1000).toISOString();
    // Years beyond 9999 (or before 0) have a longer form; those take the slow path every time.
    if (full.length !== 24 || !Number.isInteger(ms)) return new Date(ms).toISOString();
    isoSecond = second;
    isoPrefix = full.slice(0, 20);
  }
  const milli = ms - second * 1000;
  isoMs = ms;
  isoText = `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  return isoText;
}

/**
 * What the log keeps of a verdict: who decided what, by which rule and why. Kept for the frozen
 * verdicts guards share between requests (allowVerdict); a verdict made for one request is
 * written once, and remembering it would only give the collector more to do.
 */
const verdictJson = new WeakMap<Verdict, string>();
export function verdictRecord(v: Verdict): string {
  const shared = Object.isFrozen(v);
  let s = shared ? verdictJson.get(v) : undefined;
  if (s === undefined) {
    // By hand, through jsonString: the line stays ASCII whatever a guard puts in its reason.
    s = `{"guard":${jsonString(v.guard)},"action":${jsonString(v.action)}`;
    if (v.rule !== undefined) s += `,"rule":${jsonString(v.rule)}`;
    if (v.reason !== undefined) s += `,"reason":${jsonString(v.reason)}`;
    s += '}';
    if (shared) verdictJson.set(v, s);
  }
  return s;
}

export class AccessLog {
  constructor(private readonly out: LineSink) {}

  readonly exchange = (ex: Exchange): void => {
    const end = performance.now();
    let verdicts = '';
    for (let i = 0; i < ex.verdicts.length; i++) verdicts += (i === 0 ? '' : ',') + verdictRecord(ex.verdicts[i]!);
    const upstreamMs = ex.upstreamStart !== 0 && ex.upstreamHeadersAt !== 0 ? msText(ex.upstreamHeadersAt - ex.upstreamStart) : 'null';
    this.out.write(
      `{"time":"${isoTime(ex.time)}","type":"access","requestId":"${ex.id}","listener":${jsonString(ex.listener.name)}` +
        `,"clientIp":"${ex.clientIp || ex.peerIp}","method":${jsonString(ex.method)},"host":${jsonString(ex.host)}` +
        `,"path":${jsonString(ex.path || pathOnly(ex.req.url))},"route":${ex.route ? jsonString(ex.route.name) : 'null'}` +
        `,"status":${ex.status},"bytesIn":${ex.bytesIn},"bytesOut":${ex.bytesOut},"durationMs":${msText(end - ex.start)}` +
        `,"upstream":${ex.upstreamTarget !== undefined ? jsonString(ex.upstreamTarget) : 'null'}` +
        `,"upstreamStatus":${ex.upstreamStatus || 'null'},"upstreamMs":${upstreamMs}` +
        `,"verdicts":[${verdicts}]${ex.error !== undefined ? `,"error":${jsonString(ex.error)}` : ''}}`,
    );
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

/** The path of a raw target, for records of requests refused before it was parsed. */
function pathOnly(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  const p = q === -1 ? url : url.slice(0, q);
  return p.length > 256 ? `${p.slice(0, 256)}…` : p;
}
