// What can go wrong on the way to an upstream, in terms the gateway can act on: which status the
// client gets, whether the target is to blame (passive health), and whether the request may be
// tried again because the upstream provably never got it.

export type UpstreamErrorKind =
  /** No connection could be made (refused, unreachable, DNS). */
  | 'connect'
  | 'connect-timeout'
  /** Connected, but no response head within the response timeout. */
  | 'response-timeout'
  /** The response body stalled longer than the body timeout. */
  | 'body-timeout'
  /** The connection closed or reset before the response was complete. */
  | 'closed'
  /** The upstream sent something that is not valid HTTP/1.1. */
  | 'protocol'
  /** Every connection to the target is busy and the wait queue is full. */
  | 'busy'
  /** We stopped it (the client left, its body broke a limit). */
  | 'aborted';

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    /** Nothing of a response had arrived. */
    readonly beforeResponse: boolean,
    /** It happened on a connection reused from the pool (a keep-alive the upstream may have just closed). */
    readonly reusedConnection = false,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** Any failure before the connection (and its TLS handshake) was up: nothing was sent. */
export function connectFailure(err: NodeJS.ErrnoException): UpstreamError {
  const code = err.code ?? 'ERROR';
  return new UpstreamError('connect', `cannot connect: ${code}`, true, false, code);
}
