// Request bodies go upstream as a stream with back-pressure. The exchange's body counts the bytes
// (a chunked body over the limit is cut off with 413) and notes when data last arrived, so a
// client that stops sending mid-body is answered with 408 instead of holding a socket forever.
// Guards that inspect the body get a buffered prefix (up to their limit); the body is then
// forwarded whole: the buffered part first, then the rest of the stream.
import type { BodyStream, HttpRequest } from '../http1/request.js';
import type { RequestBody } from '../upstream/connection.js';
import type { Exchange } from './exchange.js';
import { bodyTooLarge } from './errors.js';

export class ExchangeBody implements RequestBody {
  /** Monotonic ms when body data last arrived (read by the idle sweeper). */
  lastActivity = performance.now();

  constructor(
    private readonly ex: Exchange,
    readonly prefix: readonly Buffer[] | null,
    readonly stream: BodyStream | null,
    /** Content-Length upstream, or -1 for chunked. */
    readonly length: number,
    private readonly maxBytes: number,
  ) {}

  observe(bytes: number): void {
    this.lastActivity = performance.now();
    this.ex.bytesIn += bytes;
    if (this.ex.bytesIn > this.maxBytes) throw bodyTooLarge();
  }
}

/** Activity of a body being read, for the idle sweeper. */
export interface BodyProgress {
  lastActivity: number;
}

/**
 * Reads up to `limit` bytes of the body (the whole body when shorter). The stream is left paused
 * where reading stopped, so the rest can still be forwarded.
 */
export function bufferBodyPrefix(
  ex: Exchange,
  req: HttpRequest,
  limit: number,
  maxBytes: number,
  progress: BodyProgress,
): Promise<{ chunks: Buffer[]; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      ex.bytesIn += chunk.length;
      progress.lastActivity = performance.now();
      if (ex.bytesIn > maxBytes) {
        cleanup();
        reject(bodyTooLarge());
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        req.pause();
        cleanup();
        resolve({ chunks, complete: req.readableEnded });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, complete: true });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      if (!req.readableEnded) {
        cleanup();
        reject(new Error('client closed during the body'));
      }
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    req.resume();
  });
}
