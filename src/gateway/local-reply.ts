// Answers the gateway gives itself (denials, limits, upstream failures): small JSON bodies that
// name the error and the request id and reveal nothing else.
import type { HttpResponse } from '../http1/response.js';
import type { Socket } from 'node:net';
import type { LocalResponseSettings } from '../config/settings.js';

export const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Error codes used in bodies, per status. */
export const CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  417: 'expectation_failed',
  429: 'rate_limited',
  431: 'headers_too_large',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'unavailable',
  504: 'gateway_timeout',
};

export interface LocalReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Flat name/value list. */
  readonly headers: readonly string[];
  /** Close the connection afterwards (unread body, broken framing). */
  readonly close: boolean;
}

export function jsonError(status: number, code: string, requestId: string): string {
  // Request ids are generated or checked to be [A-Za-z0-9._-], so they need no escaping.
  return `{"error":"${code}","requestId":"${requestId}"}`;
}

export function denyReply(settings: LocalResponseSettings, requestId: string, status?: number): { status: number; contentType: string; body: string } {
  return {
    status: status ?? settings.status,
    contentType: settings.contentType,
    body: settings.body.replaceAll('{requestId}', requestId),
  };
}

export function writeReply(res: HttpResponse, reply: LocalReply): void {
  const body = Buffer.from(reply.body);
  const headers: string[] = [
    'content-type',
    reply.contentType,
    'content-length',
    String(body.length),
    'cache-control',
    'no-store',
    ...reply.headers,
  ];
  if (reply.close) {
    headers.push('connection', 'close');
    res.shouldKeepAlive = false;
  }
  res.writeHead(reply.status, REASONS[reply.status] ?? '', headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** For sockets that have no ServerResponse (client errors, refused upgrades). */
export function writeRawReply(socket: Socket, reply: LocalReply): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(reply.body);
  let head = `HTTP/1.1 ${reply.status} ${REASONS[reply.status] ?? ''}\r\ncontent-type: ${reply.contentType}\r\ncontent-length: ${body.length}\r\ncache-control: no-store\r\n`;
  for (let i = 0; i < reply.headers.length; i += 2) head += `${reply.headers[i]}: ${reply.headers[i + 1]}\r\n`;
  head += 'connection: close\r\n\r\n';
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  // end() flushes and half-closes; make sure the socket goes away even if the peer never reads.
  socket.setTimeout(5000, () => socket.destroy());
}
