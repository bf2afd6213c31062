// Request bodies go upstream as a stream with back-pressure; this wrapper counts the bytes
// (a chunked body over the limit is cut off with 413) and notes when data last arrived, so a
// client that stops sending mid-body is answered with 408 instead of holding a socket forever.
// Guards that inspect the body get a buffered prefix (up to their limit); the body is then
// forwarded whole: the buffered part first, then the rest of the stream.
import type { IncomingMessage } from 'node:http';
import type { Exchange } from './exchange.js';
import { bodyTooLarge } from './errors.js';

/** Per-exchange state read by the idle sweeper. */
export interface BodyProgress {
  lastActivity: number;
  done: boolean;
}

export async function* countedBody(
  ex: Exchange,
  req: IncomingMessage,
  maxBytes: number,
  progress: BodyProgress,
  prefix?: readonly Buffer[],
): AsyncGenerator<Buffer> {
  try {
    if (prefix) for (const chunk of prefix) yield chunk;
    if (req.readableEnded) return;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      ex.bytesIn += chunk.length;
      progress.lastActivity = performance.now();
      if (ex.bytesIn > maxBytes) throw bodyTooLarge();
      yield chunk;
    }
  } finally {
    progress.done = true;
  }
}

/**
 * Reads up to `limit` bytes of the body (the whole body when shorter). The stream is left paused
 * where reading stopped, so the rest can still be forwarded.
 */
export function bufferBodyPrefix(
  ex: Exchange,
  req: IncomingMessage,
  limit: number,
  maxBytes: number,
  progress: BodyProgress,
): Promise<{ chunks: Buffer[]; truncated: boolean }> {
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
        resolve({ chunks, truncated: !req.readableEnded });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, truncated: false });
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
  });
}
