// The upstream connector: the response parser on every framing (in one piece and split at every
// byte), its refusals, and the gateway's behaviour against a raw upstream that misbehaves.
import assert from 'node:assert/strict';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ResponseParser, UpstreamProtocolError } from '../src/upstream/response-parser.js';
import { GatewayPool, defaultYaml, type RunningGateway } from './helpers/gateway.js';
import { portOf, rawRequest, request } from './helpers/http.js';

interface Parsed {
  status: number;
  headers: string[];
  body: string;
  reusable: boolean | undefined;
}

function parse(text: string | Buffer, options: { head?: boolean; splitAt?: number[]; close?: boolean } = {}): Parsed {
  const out: Parsed = { status: 0, headers: [], body: '', reusable: undefined };
  const p = new ResponseParser({
    onHead: (status, headers) => {
      out.status = status;
      out.headers = headers;
    },
    onBody: (chunk) => {
      out.body += chunk.toString('latin1');
    },
    onComplete: (reusable) => {
      out.reusable = reusable;
    },
  });
  p.reset(options.head ?? false);
  const data = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
  const cuts = [0, ...(options.splitAt ?? []), data.length];
  for (let i = 0; i < cuts.length - 1; i++) p.feed(data.subarray(cuts[i], cuts[i + 1]));
  if (options.close) p.finish();
  return out;
}

/** Parses `text` whole and split at every position: every way must give the same result. */
function parseEverySplit(text: string, options: { head?: boolean; close?: boolean } = {}): Parsed {
  const whole = parse(text, options);
  for (let i = 1; i < text.length; i++) {
    assert.deepEqual(parse(text, { ...options, splitAt: [i] }), whole, `split at ${i}`);
  }
  assert.deepEqual(parse(text, { ...options, splitAt: Array.from({ length: text.length - 1 }, (_, i) => i + 1) }), whole, 'byte by byte');
  return whole;
}

describe('response parser', () => {
  it('reads a Content-Length response, split anywhere', () => {
    const r = parseEverySplit('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world');
    assert.deepEqual(r, { status: 200, headers: ['Content-Type', 'text/plain', 'Content-Length', '11'], body: 'hello world', reusable: true });
  });

  it('decodes chunked bodies with extensions and trailers, split anywhere', () => {
    const r = parseEverySplit('HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n');
    assert.equal(r.status, 201);
    assert.equal(r.body, 'hello world');
    assert.equal(r.reusable, true);
  });

  it('reads a body delimited by the end of the connection, and never reuses it', () => {
    const r = parseEverySplit('HTTP/1.1 200 OK\r\n\r\nuntil the end', { close: true });
    assert.equal(r.body, 'until the end');
    assert.equal(r.reusable, false);
  });

  it('knows which responses have no body', () => {
    assert.deepEqual(parse('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n', { head: true }).reusable, true, 'HEAD');
    assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n').reusable, true);
    assert.equal(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n').reusable, true);
  });

  it('skips interim 1xx responses', () => {
    const r = parseEverySplit('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
  });

  it('honours Connection: close and HTTP/1.0', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').reusable, false);
    assert.equal(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').reusable, false);
    assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').reusable, true);
  });

  const refused: [string, string][] = [
    ['both Content-Length and Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['conflicting Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'],
    ['a signed Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n'],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\nabc'],
    ['obsolete line folding', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n'],
    ['a bad status line', 'HTTP/2 200 OK\r\n\r\n'],
    ['a bare LF inside a header value', 'HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\nContent-Length: 0\r\n\r\n'],
    ['a NUL in a header value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n'],
    ['an invalid chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk longer than its size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n'],
    ['an unexpected 101', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
  ];
  for (const [name, text] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parse(text), UpstreamProtocolError);
    });
  }

  it('bounds the head and the number of header fields', () => {
    assert.throws(() => parse(`HTTP/1.1 200 OK\r\nX-A: ${'a'.repeat(70_000)}\r\n\r\n`), /too long/);
    assert.throws(() => parse(`HTTP/1.1 200 OK\r\n${'X-A: 1\r\n'.repeat(300)}\r\n`), /too many/);
    assert.throws(() => parse(`HTTP/1.1 200 OK\r\n${'X-A: 1'.repeat(20_000)}`), /too long/, 'without an end of head');
  });

  it('says when the connection closed too early', () => {
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', { close: true }), /middle of the body/);
    assert.throws(() => parse('HTTP/1.1 200', { close: true }), /before a response/);
  });
});

/** A raw TCP upstream that answers each request with what `respond` decides. */
async function rawUpstream(
  respond: (request: string, socket: Socket, n: number) => void,
): Promise<{ url: string; close(): Promise<void>; connections: number; maxOpen: number }> {
  const sockets = new Set<Socket>();
  const state = { connections: 0, maxOpen: 0 };
  let n = 0;
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    state.maxOpen = Math.max(state.maxOpen, sockets.size);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const req = buf.slice(0, end);
      buf = buf.slice(end + 4);
      respond(req, socket, n++);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return state.connections;
    },
    get maxOpen() {
      return state.maxOpen;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('gateway against misbehaving upstreams', () => {
  const pool = new GatewayPool();
  after(() => pool.stopAll());

  it('answers 502 for a malformed response and does not reuse the connection', async () => {
    const up = await rawUpstream((_req, s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'));
    const gw = await pool.start({ yaml: defaultYaml(up.url) });
    const res = await request(`${gw.url}/`);
    assert.equal(res.status, 502);
    const rec = await gw.accessRecord(String(res.headers['x-request-id']));
    assert.match(String(rec.error), /upstream_protocol_error: both Content-Length and Transfer-Encoding/);
    await up.close();
  });

  it('cuts the client connection when the upstream dies in the middle of a body', async () => {
    const up = await rawUpstream((_req, s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial');
      setTimeout(() => s.destroy(), 50);
    });
    const gw = await pool.start({ yaml: defaultYaml(up.url) });
    const r = await rawRequest(portOf(gw.url), ['GET / HTTP/1.1\r\nHost: a\r\n\r\n'], 3000);
    assert.equal(r.status, 200);
    assert.ok(r.closed, 'the client sees the connection end, not a complete response');
    assert.ok(r.body.length < 1000);
    await up.close();
  });

  it('retries once on a fresh connection when a kept-alive one turns out closed', async () => {
    // Answers, keeps the connection open, then closes it without telling: the next request on
    // it finds a dead connection.
    const up = await rawUpstream((_req, s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      setTimeout(() => s.destroy(), 20);
    });
    const gw = await pool.start({ yaml: defaultYaml(up.url) });
    for (let i = 0; i < 5; i++) {
      assert.equal((await request(`${gw.url}/`)).status, 200);
      await new Promise((r) => setTimeout(r, 40));
    }
    await up.close();
  });

  it('relays chunked and close-delimited responses to the client', async () => {
    const up = await rawUpstream((req, s) => {
      if (req.startsWith('GET /chunked')) s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n');
      else s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close');
    });
    const gw = await pool.start({ yaml: defaultYaml(up.url) });
    assert.equal((await request(`${gw.url}/chunked`)).text, 'abcdef');
    assert.equal((await request(`${gw.url}/close`)).text, 'until close');
    assert.equal((await request(`${gw.url}/chunked`)).text, 'abcdef');
    await up.close();
  });

  it('closes the client connection when the upstream answers before reading the whole body', async () => {
    const up = await rawUpstream((_req, s) => s.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'));
    const gw = await pool.start({ yaml: defaultYaml(up.url) });
    const r = await rawRequest(portOf(gw.url), ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n', 'x'.repeat(10)], 3000);
    assert.equal(r.status, 401);
    assert.match(r.head, /connection: close/i);
    assert.ok(r.closed);
    await up.close();
  });

  it('answers 503 when every connection is busy and the queue is full', async () => {
    const up = await rawUpstream(() => undefined); // never answers
    const gw = await pool.start({
      yaml: defaultYaml(up.url).replace('targets: [', 'connections: 1\n    timeouts: { response: 200ms }\n    targets: ['),
    });
    const results = await Promise.all(Array.from({ length: 12 }, () => request(`${gw.url}/`).then((r) => r.status)));
    assert.equal(results.filter((s) => s === 503).length, 3, `statuses: ${results.join(',')} (1 connection, 8 waiting)`);
    assert.equal(results.filter((s) => s === 504).length, 9, 'the ones that got the connection in turn time out');
    // One connection at a time (each is closed after its timeout and the next waiter opens a new
    // one; the upstream may see the new one a moment before the old one's close).
    assert.equal(up.connections, 9);
    assert.ok(up.maxOpen <= 2, `at most one open at a time (seen ${up.maxOpen})`);
    await up.close();
  });
});

describe('keep-alive reuse', () => {
  let gw: RunningGateway;
  let up: Awaited<ReturnType<typeof rawUpstream>>;
  const pool = new GatewayPool();
  before(async () => {
    up = await rawUpstream((_req, s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    gw = await pool.start({ yaml: defaultYaml(up.url) });
  });
  after(async () => {
    await pool.stopAll();
    await up.close();
  });

  it('carries many requests over few upstream connections', async () => {
    for (let i = 0; i < 50; i++) assert.equal((await request(`${gw.url}/`)).status, 200);
    assert.ok(up.connections <= 2, `${up.connections} upstream connections for 50 sequential requests`);
  });
});
