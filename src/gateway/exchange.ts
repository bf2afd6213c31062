// One exchange per request: the normalised view of the request (and, as it goes, the response)
// that every stage reads. It is built once, in one pass over the raw headers, and carries what
// the access log and later observers need. Stages never reach into each other; they read this.
import type { HttpRequest } from '../http1/request.js';
import type { HttpResponse } from '../http1/response.js';
import type { MatchInput } from '../match/condition.js';
import type { Guard, Verdict } from './guard.js';
import type { Transaction } from '../waf/engine/transaction.js';
import type { Route } from '../routing/router.js';

/** What a listener tells the exchange about where the request came in. */
export interface ListenerInfo {
  readonly name: string;
  readonly tls: boolean;
  /** Strict-Transport-Security value for responses on this listener. */
  readonly hsts: string | undefined;
}

export interface Cancellable {
  cancel(reason: Error): void;
}

export class Exchange implements MatchInput {
  /** Request id: generated, or taken from a trusted proxy's X-Request-Id. */
  id = '';
  /** Wall clock at arrival (ms since epoch), for the log. */
  readonly time: number;
  /** Monotonic clock at arrival (ms), for durations. */
  readonly start: number;

  /** The TCP peer. */
  peerIp = '';
  /** The client: the peer, or the first untrusted address in X-Forwarded-For behind trusted proxies. */
  clientIp = '';
  method: string;
  /** Normalised Host (lower-case, no port). */
  host = '';
  /** Normalised path without the query. */
  path = '';
  /** Raw query string with its "?", or "". */
  query = '';
  /** Declared request body length, -1 when chunked, 0 when none. */
  bodyLength = 0;

  route: Route | undefined = undefined;
  /** Every guard's verdict, in order. */
  readonly verdicts: Verdict[] = [];
  /** Guards with response hooks, for this exchange (set when it goes upstream). */
  responseGuards: readonly Guard[] | undefined = undefined;
  /** Guards told when the exchange ends. */
  completeGuards: readonly Guard[] | undefined = undefined;
  /** The WAF's transaction, when the WAF inspects this exchange. */
  waf: Transaction | undefined = undefined;
  /** Extra response headers set by guards (flat name/value list), e.g. RateLimit. */
  responseHeaders: string[] | undefined = undefined;

  /** Headers for the upstream request (flat name/value list), built from the client's. */
  forwardHeaders: string[] = [];
  /** Raw values kept for forwarding and logging. */
  rawHost: string | undefined = undefined;
  xForwardedFor: string | undefined = undefined;
  xForwardedProto: string | undefined = undefined;
  xForwardedHost: string | undefined = undefined;
  incomingRequestId: string | undefined = undefined;

  /** Response status sent to the client (0 until known). */
  status = 0;
  bytesIn = 0;
  bytesOut = 0;
  upstreamTarget: string | undefined = undefined;
  upstreamStatus = 0;
  /** Monotonic ms when the upstream call started and when its response headers arrived. */
  upstreamStart = 0;
  upstreamHeadersAt = 0;
  /** Why the gateway answered or failed the request itself (a short code), if it did. */
  error: string | undefined = undefined;
  /** The work in progress (upstream call, body read), stoppable with a reason. */
  inProgress: Cancellable | undefined = undefined;
  /** Set when the access record was written, so it is written once. */
  logged = false;

  constructor(
    readonly req: HttpRequest,
    readonly res: HttpResponse | undefined,
    readonly listener: ListenerInfo,
    now: number,
  ) {
    this.time = Date.now();
    this.start = now;
    this.method = req.method;
  }

  /** First value of a request header by lower-case name (the header map is built lazily). */
  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  /** Stops the work in progress, if any (the client left, a limit was crossed). */
  cancel(reason: Error): void {
    this.inProgress?.cancel(reason);
  }

  addResponseHeader(name: string, value: string): void {
    (this.responseHeaders ??= []).push(name, value);
  }
}
