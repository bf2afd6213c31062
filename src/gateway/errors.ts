// Errors that end an exchange, each with the status the client should get and a short log code.

export class ExchangeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

export const bodyTooLarge = () => new ExchangeError(413, 'payload_too_large', 'request body over the limit');
export const clientBodyTimeout = () => new ExchangeError(408, 'request_timeout', 'client stopped sending the body');
export const clientClosed = () => new ExchangeError(499, 'client_closed', 'client closed the connection');

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT_ERRORS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return '';
}

/** The request never reached the target: safe to try another one. */
export function isConnectError(err: unknown): boolean {
  return CONNECT_ERRORS.has(codeOf(err));
}

/** How an upstream failure is answered and logged. */
export function upstreamFailure(err: unknown): { status: number; code: string; countsAgainstTarget: boolean } {
  if (err instanceof ExchangeError) return { status: err.status, code: err.code, countsAgainstTarget: false };
  const code = codeOf(err);
  if (TIMEOUT_ERRORS.has(code)) return { status: 504, code: code === 'UND_ERR_CONNECT_TIMEOUT' ? 'upstream_connect_timeout' : 'upstream_timeout', countsAgainstTarget: true };
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return { status: 400, code: 'body_length_mismatch', countsAgainstTarget: false };
  if (code === 'UND_ERR_ABORTED') return { status: 499, code: 'client_closed', countsAgainstTarget: false };
  if (CONNECT_ERRORS.has(code)) return { status: 502, code: 'upstream_unreachable', countsAgainstTarget: true };
  return { status: 502, code: code ? `upstream_error:${code}` : 'upstream_error', countsAgainstTarget: true };
}
