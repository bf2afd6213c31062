// A small API to put the gateway in front of, for the demo and for trying things out.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const USERS: Record<string, { id: number; name: string; email: string }> = {
  '1': { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' },
  '2': { id: 2, name: 'Alan Turing', email: 'alan@example.com' },
};

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function startDemoApi(port = 0, host = '127.0.0.1'): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const path = url.pathname;
      if (path === '/api/hello') return send(res, 200, { message: 'hello from the demo API', clientIp: req.headers['x-forwarded-for'] });
      const user = /^\/api\/users\/([^/]+)$/.exec(path);
      if (user && req.method === 'GET') {
        const u = USERS[user[1]!];
        return u ? send(res, 200, u) : send(res, 404, { error: 'no such user' });
      }
      if (path === '/api/orders' && req.method === 'POST') {
        let order: unknown;
        try {
          order = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(res, 400, { error: 'body must be JSON' });
        }
        return send(res, 201, { id: Math.floor(Math.random() * 1e6), order });
      }
      if (path === '/api/login' && req.method === 'POST') return send(res, 401, { error: 'invalid credentials' });
      if (path.startsWith('/admin')) return send(res, 200, { secret: 'the admin area: the gateway should never let you see this' });
      if (path === '/') return send(res, 200, { service: 'portcullis demo API', try: ['/api/hello', '/api/users/1', 'POST /api/orders'] });
      send(res, 404, { error: 'not found' });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${a.port}` });
    });
  });
}
