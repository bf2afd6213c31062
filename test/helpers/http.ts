// Clients for tests: undici for ordinary requests, and a raw socket for the malformed ones
// (smuggling shapes, slow clients) that no well-behaved client library would send.
import net from 'node:net';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';

export const agent = new Agent({ keepAliveTimeout: 1000, connections: 64 });

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export async function request(
  url: string,
  options: { method?: string; headers?: Record<string, string> | string[]; body?: string | Buffer | null; dispatcher?: Dispatcher } = {},
): Promise<SimpleResponse> {
  const res = await undiciRequest(url, {
    method: options.method ?? 'GET',
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    dispatcher: options.dispatcher ?? agent,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  const text = body.toString('utf8');
  return {
    status: res.statusCode,
    headers: res.headers,
    body,
    text,
    json<T>() {
      return JSON.parse(text) as T;
    },
  };
}

export interface RawResponse {
  /** 0 when no status line arrived. */
  status: number;
  head: string;
  body: string;
  /** The server closed the connection (as it should after a framing error). */
  closed: boolean;
  elapsedMs: number;
}

/**
 * Sends raw bytes and reads until the server closes or `timeoutMs` passes. `chunks` may hold
 * pauses (numbers, in ms) between pieces, to play a slow client.
 */
export function rawRequest(
  port: number,
  chunks: (string | Buffer | number)[],
  timeoutMs = 5000,
  host = '127.0.0.1',
  /** Stop this long after the first bytes of an answer (instead of waiting for a close). */
  settleMs?: number,
): Promise<RawResponse> {
  return new Promise((resolve) => {
    const start = performance.now();
    const socket = net.connect(port, host);
    const data: Buffer[] = [];
    let closed = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const text = Buffer.concat(data).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end === -1 ? text : text.slice(0, end);
      const m = /^HTTP\/1\.[01] ([0-9]{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : 0, head, body: end === -1 ? '' : text.slice(end + 4), closed, elapsedMs: performance.now() - start });
      socket.destroy();
    };
    const timer = setTimeout(finish, timeoutMs);
    let settling = false;
    socket.on('data', (d: Buffer) => {
      data.push(d);
      if (settleMs !== undefined && !settling) {
        settling = true;
        setTimeout(finish, settleMs);
      }
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
        else if (!socket.destroyed) socket.write(c);
      }
    });
  });
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}
