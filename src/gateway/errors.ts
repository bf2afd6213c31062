// Errors that end an exchange, each with the status the client should get and a short log code.
import { RequestParseError } from '../http1/request-parser.js';
import { UpstreamError } from '../upstream/errors.js';

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

export interface Failure {
  /** What the client is answered (499: nobody to answer). */
  readonly status: number;
  /** The access log's error code. */
  readonly code: string;
  /** Passive health: the target is to blame. */
  readonly countsAgainstTarget: boolean;
}

/** How a failed upstream call is answered and logged. */
export function upstreamFailure(err: unknown): Failure {
  if (err instanceof ExchangeError) return { status: err.status, code: err.code, countsAgainstTarget: false };
  // The client's body broke the framing (or the client left in the middle of it).
  if (err instanceof RequestParseError) return { status: err.status, code: `bad_request: ${err.message}`, countsAgainstTarget: false };
  if (err instanceof UpstreamError) {
    switch (err.kind) {
      case 'connect':
        return { status: 502, code: `upstream_unreachable${err.code ? `:${err.code}` : ''}`, countsAgainstTarget: true };
      case 'connect-timeout':
        return { status: 504, code: 'upstream_connect_timeout', countsAgainstTarget: true };
      case 'response-timeout':
        return { status: 504, code: 'upstream_timeout', countsAgainstTarget: true };
      case 'body-timeout':
        return { status: 504, code: 'upstream_body_timeout', countsAgainstTarget: true };
      case 'closed':
        return { status: 502, code: 'upstream_closed', countsAgainstTarget: true };
      case 'protocol':
        return { status: 502, code: `upstream_protocol_error: ${err.message}`, countsAgainstTarget: true };
      case 'busy':
        return { status: 503, code: 'upstream_busy', countsAgainstTarget: false };
      case 'aborted':
        return { status: 499, code: 'client_closed', countsAgainstTarget: false };
    }
  }
  return { status: 502, code: 'upstream_error', countsAgainstTarget: true };
}
