// A real upstream for tests, on loopback: it records what it received and answers according to the
// path, so tests can see exactly what the gateway forwarded and how it handles slow or broken peers.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly bodyLength: number;
  readonly bodySha256: string;
}

export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly name: string;
  readonly received: Received[];
  readonly server: http.Server;
  close(): Promise<void>;
}

/** Deterministic bytes for large bodies. */
export function pattern(bytes: number, seed = 7): Buffer {
  const b = Buffer.allocUnsafe(bytes);
  let x = seed;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >>> 16;
  }
  return b;
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Minimal WebSocket echo (RFC 6455): unmasks client frames and sends them back unmasked. */
function websocketEcho(req: http.IncomingMessage, socket: Socket, head: Buffer, received: Received[]): void {
  received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bodyLength: 0, bodySha256: '' });
  if (req.url?.startsWith('/ws-refuse')) {
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    return;
  }
  const key = String(req.headers['sec-websocket-key'] ?? '');
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  let buf = head;
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      const masked = (buf[1]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      const maskOff = off;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i]! ^= buf[maskOff + (i % 4)]!;
      buf = buf.subarray(off + len);
      if (opcode === 0x8) {
        socket.end(Buffer.from([0x88, 0]));
        return;
      }
      const header = len < 126 ? Buffer.from([0x80 | opcode, len]) : Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
      socket.write(Buffer.concat([header, payload]));
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  if (head.length) onData(Buffer.alloc(0));
}

export function startUpstream(name = 'upstream', host = '127.0.0.1'): Promise<Upstream> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c: Buffer) => {
      length += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      const rec: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyLength: length,
        bodySha256: hash.digest('hex'),
      };
      received.push(rec);
      const url = new URL(req.url ?? '/', 'http://upstream');
      const path = url.pathname;
      if (path.startsWith('/status/')) {
        res.writeHead(Number(path.slice(8)), { 'content-type': 'application/json' });
        res.end(JSON.stringify({ upstream: name }));
        return;
      }
      if (path === '/slow') {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ upstream: name, slow: true }));
        }, Number(url.searchParams.get('ms') ?? 1000)).unref();
        return;
      }
      if (path === '/stall') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
        res.write('partial');
        return; // never finishes
      }
      if (path === '/big') {
        const bytes = Number(url.searchParams.get('bytes') ?? 1024);
        const body = pattern(bytes, 11);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-sha256': sha256(body) });
        // In pieces, so the gateway has to stream.
        let off = 0;
        const step = () => {
          while (off < body.length) {
            const piece = body.subarray(off, off + 65536);
            off += piece.length;
            if (!res.write(piece)) return res.once('drain', step);
          }
          res.end();
        };
        step();
        return;
      }
      if (path === '/page') {
        // A page with the text and headers the test asks for (for response inspection).
        const text = url.searchParams.get('text') ?? '';
        const headers: http.OutgoingHttpHeaders = { 'content-type': url.searchParams.get('type') ?? 'text/html; charset=utf-8' };
        for (const [k, v] of url.searchParams) if (k.startsWith('h-')) headers[k.slice(2)] = v;
        res.writeHead(200, headers);
        res.end(text.repeat(Number(url.searchParams.get('repeat') ?? 1)));
        return;
      }
      if (path === '/hop-by-hop') {
        res.writeHead(200, {
          'content-type': 'application/json',
          connection: 'keep-alive, x-internal-secret',
          'x-internal-secret': 'do-not-forward',
          'keep-alive': 'timeout=99',
          'proxy-authenticate': 'Basic',
          'x-kept': 'yes',
        });
        res.end('{}');
        return;
      }
      const body = JSON.stringify({ upstream: name, ...rec });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => websocketEcho(req, socket, head, received));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as AddressInfo).port;
      const h = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${h}:${port}`,
        port,
        name,
        received,
        server,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
