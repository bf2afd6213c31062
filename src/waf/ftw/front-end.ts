// The web server in front of the WAF. In the CRS's own test setup that is Apache or nginx; in
// Portcullis it is our strict HTTP/1.1 parser (src/http1/request-parser.ts, with the gateway's
// default limits and the server connection's 417 for an unmeetable Expect), then the checks the
// gateway makes before any guard runs (src/gateway/gateway.ts handleRequest: readHead's framing
// and Host checks, CONNECT refused with 405, parseRequestTarget's target checks, the declared
// body over the limit). A request refused there is answered by the gateway (400, 405, 413, 414,
// 417, 431, ...) and never reaches the WAF; one not received completely yet is waited for, so
// the client sees no response at all. The gateway's own functions are run, not imitated.
//
// The "lenient" front end stands for a forgiving server instead: everything it can frame reaches
// the WAF (useful to see the engine's side of tests about malformed requests).
import { DEFAULTS } from '../../config/resolve.js';
import { Exchange } from '../../gateway/exchange.js';
import { HOST_RE, readHead } from '../../gateway/request-head.js';
import { parseRequestTarget, TargetError } from '../../gateway/request-target.js';
import type { HttpRequest } from '../../http1/request.js';
import { RequestParseError, RequestParser, type RequestHead, type RequestLimits } from '../../http1/request-parser.js';
import { IpSet } from '../../util/ip.js';

export type FrontEndName = 'portcullis' | 'lenient';

export type StrictVerdict =
  | { readonly kind: 'accepted'; readonly head: RequestHead; readonly body: Buffer }
  | { readonly kind: 'refused'; readonly status: number; readonly reason: string }
  | { readonly kind: 'incomplete'; readonly reason: string };

export const GATEWAY_LIMITS: RequestLimits = {
  maxHeadBytes: DEFAULTS.maxHeaderBytes,
  maxUriBytes: DEFAULTS.maxUriBytes,
  maxHeaderCount: DEFAULTS.maxHeaderCount,
};

/** Runs the request bytes through the gateway's parser, all at once, as one connection would. */
export function strictFrontEnd(bytes: Buffer, limits: RequestLimits = GATEWAY_LIMITS): StrictVerdict {
  let head: RequestHead | undefined;
  const chunks: Buffer[] = [];
  let complete = false;
  const parser = new RequestParser(
    {
      onHead: (h) => {
        head = h;
      },
      onBody: (c) => {
        chunks.push(Buffer.from(c));
      },
      onComplete: () => {
        complete = true;
      },
    },
    limits,
  );
  try {
    parser.feed(bytes);
  } catch (err) {
    if (err instanceof RequestParseError) return { kind: 'refused', status: err.status, reason: err.message };
    return { kind: 'refused', status: 400, reason: (err as Error).message };
  }
  if (!head) return { kind: 'incomplete', reason: 'the request head is not complete (the server waits for the rest)' };
  // The server connection answers an Expect it cannot meet before anything else.
  if (head.unsupportedExpect) return { kind: 'refused', status: 417, reason: 'unsupported Expect' };
  // An upgrade is complete with its head (it has no body).
  if (!complete && !head.upgrade) return { kind: 'incomplete', reason: 'the request body is not complete (the server waits for the rest)' };
  const gateway = gatewayChecks(head, '127.0.0.1');
  if (gateway) return gateway;
  return { kind: 'accepted', head, body: Buffer.concat(chunks) };
}

const NO_TRUSTED_PROXIES = new IpSet();

/**
 * The gateway's checks between the parsed head and the guards (the WAF is a guard), in the
 * gateway's order. Returns the refusal, or undefined when the request goes on to the guards.
 */
export function gatewayChecks(head: RequestHead, peer: string): StrictVerdict | undefined {
  // The few request fields readHead and the Exchange read.
  const req = {
    method: head.method,
    url: head.url,
    httpVersionMajor: head.versionMajor,
    httpVersionMinor: head.versionMinor,
    rawHeaders: head.rawHeaders,
    socket: { remoteAddress: peer },
    headers: {},
  } as unknown as HttpRequest;
  const ex = new Exchange(req, undefined, { name: 'ftw', tls: false, hsts: undefined }, 0);
  const headError = readHead(ex, head.rawHeaders, NO_TRUSTED_PROXIES, DEFAULTS.maxHeaderCount);
  if (headError) return { kind: 'refused', status: headError.status, reason: headError.reason };
  if (ex.method === 'CONNECT') return { kind: 'refused', status: 405, reason: 'CONNECT is not proxied' };
  try {
    const target = parseRequestTarget(head.url, DEFAULTS.maxUriBytes);
    if (target.authority !== undefined && !HOST_RE.test(target.authority)) throw new TargetError('invalid host in request target');
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    return { kind: 'refused', status: err.status, reason: err.message };
  }
  if (ex.bodyLength > DEFAULTS.maxBodyBytes) return { kind: 'refused', status: 413, reason: 'declared body over the limit' };
  return undefined;
}
