// Reads the request head in one pass over the raw headers: framing checks against request
// smuggling, the client address (X-Forwarded-For believed only from trusted proxies), the request
// id, and the list of headers to forward upstream (hop-by-hop and forwarding headers removed, to
// be set again by us).
import { nextRequestId } from '../util/request-id.js';
import { isIP } from 'node:net';
import type { IpSet } from '../util/ip.js';
import { normalizeIp } from '../util/ip.js';
import { normalizeHost } from '../match/host.js';
import type { Exchange } from './exchange.js';

export interface HeadError {
  readonly status: number;
  readonly code: string;
  readonly reason: string;
}

const bad = (reason: string): HeadError => ({ status: 400, code: 'bad_request', reason });

const ERR_CL_TE = bad('both Content-Length and Transfer-Encoding');
const ERR_DUP_CL = bad('duplicate Content-Length');
const ERR_BAD_CL = bad('invalid Content-Length');
const ERR_DUP_TE = bad('duplicate Transfer-Encoding');
const ERR_BAD_TE = bad('unsupported Transfer-Encoding');
const ERR_TE_HTTP10 = bad('Transfer-Encoding in an HTTP/1.0 request');
const ERR_NO_HOST = bad('missing Host');
const ERR_DUP_HOST = bad('duplicate Host');
const ERR_BAD_HOST = bad('invalid Host');
const ERR_HEADER_COUNT: HeadError = { status: 431, code: 'headers_too_large', reason: 'too many header fields' };

/** Host header: reg-name, IPv4 or [IPv6], optional port (RFC 3986 §3.2.2, kept strict). */
export const HOST_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(?::[0-9]{1,5})?$/;
/** What we accept as an incoming request id from a trusted proxy (safe to echo and to log). */
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

// Header names handled here, by length first so that most headers cost one comparison.
const INTERESTING_LENGTHS = new Set([2, 4, 6, 7, 9, 10, 12, 14, 15, 16, 17, 19]);

/**
 * Fills the exchange from the raw headers. Returns an error for a request that must be refused;
 * undefined when the head is acceptable.
 */
export function readHead(ex: Exchange, raw: readonly string[], trusted: IpSet, maxHeaderCount: number): HeadError | undefined {
  const req = ex.req;
  const peer = normalizeIp(req.socket.remoteAddress ?? '');
  ex.peerIp = peer;
  const trustedPeer = !trusted.empty && trusted.has(peer);

  if (raw.length / 2 > maxHeaderCount) return ERR_HEADER_COUNT;

  let hostCount = 0;
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  let connection: string | undefined;
  const out = ex.forwardHeaders;

  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (!INTERESTING_LENGTHS.has(name.length)) {
      out.push(name, value);
      continue;
    }
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        hostCount++;
        ex.rawHost = value;
        out.push(name, value);
        break;
      case 'content-length':
        if (contentLength !== undefined) return ERR_DUP_CL;
        contentLength = value;
        out.push(name, value);
        break;
      case 'transfer-encoding':
        if (transferEncoding !== undefined) return ERR_DUP_TE;
        transferEncoding = value;
        break;
      case 'connection':
        connection = value;
        break;
      case 'keep-alive':
      case 'proxy-connection':
      case 'te':
      case 'trailer':
      case 'upgrade':
      case 'proxy-authorization':
      case 'expect':
        break;
      case 'x-forwarded-for':
        ex.xForwardedFor = ex.xForwardedFor === undefined ? value : `${ex.xForwardedFor}, ${value}`;
        break;
      case 'x-forwarded-proto':
        ex.xForwardedProto = value;
        break;
      case 'x-forwarded-host':
        ex.xForwardedHost = value;
        break;
      case 'x-request-id':
        ex.incomingRequestId = value;
        break;
      case 'forwarded':
      case 'x-real-ip':
        // Only a trusted proxy may speak for the client's address.
        if (trustedPeer) out.push(name, value);
        break;
      default:
        out.push(name, value);
    }
  }

  // Framing (RFC 9112 §6): exactly one way to find the end of the body, or the request is refused.
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) return ERR_CL_TE;
    if (req.httpVersionMinor === 0 && req.httpVersionMajor === 1) return ERR_TE_HTTP10;
    if (transferEncoding.trim().toLowerCase() !== 'chunked') return ERR_BAD_TE;
    ex.bodyLength = -1;
  } else if (contentLength !== undefined) {
    if (!/^[0-9]{1,15}$/.test(contentLength)) return ERR_BAD_CL;
    ex.bodyLength = Number(contentLength);
  }

  if (hostCount > 1) return ERR_DUP_HOST;
  if (hostCount === 0) {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) return ERR_NO_HOST;
  } else if (!HOST_RE.test(ex.rawHost!)) {
    return ERR_BAD_HOST;
  }
  ex.host = normalizeHost(ex.rawHost);

  // Headers named by Connection are hop-by-hop too (RFC 9110 §7.6.1).
  if (connection !== undefined) {
    const tokens = connection.toLowerCase().split(',');
    for (const t of tokens) {
      const token = t.trim();
      if (token === '' || token === 'close' || token === 'keep-alive' || token === 'upgrade') continue;
      for (let i = out.length - 2; i >= 0; i -= 2) {
        if (out[i]!.toLowerCase() === token && token !== 'host' && token !== 'content-length') out.splice(i, 2);
      }
    }
  }

  ex.clientIp = trustedPeer ? clientFromForwardedFor(ex.xForwardedFor, peer, trusted) : peer;
  if (!trustedPeer) {
    ex.xForwardedFor = undefined;
    ex.xForwardedProto = undefined;
    ex.xForwardedHost = undefined;
  }
  const incoming = ex.incomingRequestId;
  ex.id = trustedPeer && incoming !== undefined && REQUEST_ID_RE.test(incoming) ? incoming : nextRequestId();
  return undefined;
}

/**
 * The client behind trusted proxies: walking X-Forwarded-For from the right (the nearest hop),
 * the first address that is not itself a trusted proxy. Anything malformed stops the walk there:
 * an address we cannot read is not one we may skip past.
 */
export function clientFromForwardedFor(xff: string | undefined, peer: string, trusted: IpSet): string {
  if (xff === undefined) return peer;
  const hops = xff.split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    let hop = hops[i]!.trim();
    // Some proxies add ports or brackets: "1.2.3.4:5678", "[2001:db8::1]:443".
    if (hop.startsWith('[')) hop = hop.slice(1, hop.indexOf(']') === -1 ? undefined : hop.indexOf(']'));
    else if (hop.indexOf(':') !== -1 && hop.indexOf(':') === hop.lastIndexOf(':')) hop = hop.slice(0, hop.indexOf(':'));
    if (!isIpLiteral(hop)) return client;
    const addr = normalizeIp(hop);
    client = addr;
    if (!trusted.has(addr)) return addr;
  }
  return client;
}

function isIpLiteral(s: string): boolean {
  return s.length <= 45 && isIP(s) !== 0;
}
