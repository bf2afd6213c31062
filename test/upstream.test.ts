// The upstream connector: the response parser on every framing (in one piece and split at every
// byte), its refusals, and the gateway's behaviour against a raw upstream that misbehaves.
import assert from 'node:assert/strict';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ResponseParser, UpstreamProtocolError } from '../src/upstream/response-parser.js';
import { GatewayPool, defaultYaml, type RunningGateway } from './helpers/gateway.js';
import { portOf, rawRequest, request } from './helpers/http.js';
import { rng } from './helpers/random.js';

interface Parsed {
  status: number;
  headers: string[];
  body: string;
  reusable: boolean | undefined;
}

function parse(text: string | Buffer, options: { head?: boolean; splitAt?: number[]; close?: boolean } = {}): Parsed {
  const out: Parsed = { status: 0, headers: [], body: '', reusable: undefined };
  const p = new ResponseParser({
    onHead: (head) => {
      out.status = head.status;
      out.headers = head.list();
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

describe('mutated upstream responses', () => {
  const pool = new GatewayPool();
  after(() => pool.stopAll());
  const SEEDS = [
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\n\r\nhello',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n',
    'HTTP/1.0 404 Not Found\r\nKeep-Alive: timeout=5\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\n\r\nnot here',
    'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nX-Request-Id: up\r\nContent-Length: 3\r\n\r\n',
  ];
  const TOKENS = ['\r\n', '\n', '\r', ' ', ':', '\0', '\x7f', '\xff', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n',
    'Connection: close, Content-Type\r\n', 'X-Request-Id: forged\r\n', '\r\n\r\n', 'HTTP/1.1 200 OK\r\n', '0\r\n\r\n'];
  function mutate(seed: string, random: () => number): string {
    let t = seed;
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * (t.length + 1));
      const op = random();
      if (op < 0.5) t = t.slice(0, at) + TOKENS[Math.floor(random() * TOKENS.length)]! + t.slice(at);
      else if (op < 0.8) t = t.slice(0, at) + t.slice(Math.min(t.length, at + 1 + Math.floor(random() * 6)));
      else t = t.slice(0, at) + t.slice(at, at + 8) + t.slice(at);
    }
    return t;
  }
  const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate']);
  const FIELD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+: ?[^\r\n\0]*$/;

  // Without response guards the upstream's field lines are passed through; with the WAF (a
  // response guard) they are read as a field list and then passed through; with the response
  // body inspected the head is held back and written from the field list. All must hold to
  // the same rules.
  const WAF = `waf:\n  mode: block\n  crs: none\n  rules: |\n    SecRule RESPONSE_HEADERS:X-Never "@streq yes" "id:10,phase:3,deny"\n`;
  const HELD = `${WAF}  responseBody:\n    inspect: true\n`;
  for (const [name, extra, seed] of [['passed through', '', 20261203], ['through a response guard (WAF)', WAF, 20261204], ['held for the response body (WAF)', HELD, 20261205]] as const) {
    it(`answers every request with a well-formed head (or a 502), and keeps serving: ${name}`, async () => {
      await mutatedResponses(extra, seed);
    });
  }

  async function mutatedResponses(extraYaml: string, seed: number): Promise<void> {
    const random = rng(seed);
    const responses: string[] = [];
    for (let i = 0; i < 120; i++) responses.push(mutate(SEEDS[i % SEEDS.length]!, random));
    const up = await rawUpstream((req, sock) => {
      const n = Number(/GET \/m\/(\d+)/.exec(req)?.[1] ?? -1);
      sock.end(Buffer.from(n >= 0 ? responses[n]! : SEEDS[0]!, 'latin1'));
    });
    after(() => up.close());
    const gw = await pool.start({ yaml: defaultYaml(up.url, extraYaml) });
    const port = portOf(gw.url);
    for (let n = 0; n < responses.length; n++) {
      const r = await rawRequest(port, [`GET /m/${n} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`], 3000);
      const what = `response ${n}: ${JSON.stringify(responses[n])}`;
      assert.ok(r.status >= 100, `an answer for ${what}`);
      const lines = r.head.split('\r\n');
      assert.match(lines[0]!, /^HTTP\/1\.1 [0-9]{3} /, what);
      const names = lines.slice(1).map((l) => {
        assert.match(l, FIELD, `a clean field line (${JSON.stringify(l)}) for ${what}`);
        return l.slice(0, l.indexOf(':')).toLowerCase();
      });
      const count = (name: string) => names.filter((x) => x === name).length;
      for (const hop of HOP) if (hop !== 'connection' && hop !== 'transfer-encoding') assert.equal(count(hop), 0, `${hop} for ${what}`);
      assert.ok(count('transfer-encoding') <= 1 && count('content-length') <= 1, `one framing field for ${what}`);
      assert.ok(count('transfer-encoding') === 0 || count('content-length') === 0, `not both framings for ${what}`);
      assert.equal(count('x-request-id'), 1, `our request id only for ${what}`);
      // Only where a real Connection field (as the gateway parsed it) named X-Hop.
      const upstreamHead = responses[n]!.split('\r\n\r\n')[0]!;
      if (/\r\nConnection:[^\r\n]*x-hop/i.test(upstreamHead)) assert.equal(count('x-hop'), 0, `fields named by Connection dropped for ${what}`);
    }
    const ok = await request(`${gw.url}/m/-1`);
    assert.equal(ok.status, 200, 'still serving');
    if (extraYaml !== '') {
      const rec = await gw.accessRecord(String(ok.headers['x-request-id']));
      assert.ok((rec.verdicts as { guard: string }[]).some((v) => v.guard === 'waf'), 'the WAF took part');
    }
  }
});

describe('response heads forwarded to clients', () => {
  const pool = new GatewayPool();
  after(() => pool.stopAll());
  const UPSTREAM_HEAD =
    'HTTP/1.1 200 OK\r\n' +
    'Set-Cookie: a=1; Path=/\r\n' +
    'Keep-Alive: timeout=99\r\n' +
    'X-Spaced:   padded value  \r\n' +
    'Connection: keep-alive\r\n' +
    'Date: Tue, 01 Dec 2026 10:00:00 GMT\r\n' +
    'Proxy-Connection: keep-alive\r\n' +
    'X-Request-Id: upstream-made\r\n' +
    'Set-Cookie: b=2; Path=/\r\n' +
    'Trailer: X-Checksum\r\n' +
    'Upgrade: h2c\r\n' +
    'Content-Type: text/plain\r\n';
  let up: Awaited<ReturnType<typeof rawUpstream>>;
  let port: number;
  before(async () => {
    up = await rawUpstream((req, s) => {
      const chunked = req.includes('/chunked');
      if (req.startsWith('HEAD ')) s.write(`${UPSTREAM_HEAD}Content-Length: 11\r\n\r\n`);
      else if (req.includes('/not-modified')) s.write('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 11\r\n\r\n');
      else if (chunked) s.write(`${UPSTREAM_HEAD}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`);
      else s.write(`${UPSTREAM_HEAD}Content-Length: 11\r\n\r\nhello world`);
    });
    port = portOf((await pool.start({ yaml: defaultYaml(up.url) })).url);
  });
  after(() => up.close());

  /** A whole chunked body decoded; throws on bad framing. */
  function dechunk(body: string): string {
    let out = '';
    for (let at = 0; ; ) {
      const eol = body.indexOf('\r\n', at);
      const size = parseInt(body.slice(at, eol), 16);
      assert.ok(eol !== -1 && Number.isInteger(size), 'a chunk size line');
      if (size === 0) {
        assert.equal(body.slice(eol), '\r\n\r\n', 'the last chunk ends the body');
        return out;
      }
      out += body.slice(eol + 2, eol + 2 + size);
      assert.equal(body.slice(eol + 2 + size, eol + 4 + size), '\r\n');
      at = eol + 4 + size;
    }
  }

  /** The head's field lines, lower-cased names, in order. */
  function fields(head: string): [string, string][] {
    return head.split('\r\n').slice(1).map((l) => {
      const colon = l.indexOf(':');
      return [l.slice(0, colon).toLowerCase(), l.slice(colon + 1).trim()];
    });
  }

  it('keeps end-to-end fields in order, drops hop-by-hop ones, keeps the upstream Date, sets its own request id', async () => {
    const r = await rawRequest(port, ['GET /plain HTTP/1.1\r\nHost: a\r\n\r\n'], 5000, '127.0.0.1', 100);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello world');
    const f = fields(r.head);
    const names = f.map(([n]) => n);
    for (const hop of ['keep-alive', 'proxy-connection', 'trailer', 'upgrade', 'transfer-encoding']) assert.ok(!names.includes(hop), `${hop} is dropped`);
    assert.deepEqual(f.filter(([n]) => n === 'set-cookie').map(([, v]) => v), ['a=1; Path=/', 'b=2; Path=/'], 'repeated fields stay, in order');
    assert.deepEqual(f.filter(([n]) => n === 'date').map(([, v]) => v), ['Tue, 01 Dec 2026 10:00:00 GMT'], "one Date, the upstream's");
    const ids = f.filter(([n]) => n === 'x-request-id').map(([, v]) => v);
    assert.equal(ids.length, 1);
    assert.notEqual(ids[0], 'upstream-made');
    assert.deepEqual(f.find(([n]) => n === 'x-spaced'), ['x-spaced', 'padded value']);
    assert.equal(f.filter(([n]) => n === 'content-length').length, 1);
  });

  it('re-frames a chunked upstream body for HTTP/1.1 and HTTP/1.0 clients', async () => {
    const r11 = await rawRequest(port, ['GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n'], 5000, '127.0.0.1', 100);
    assert.equal(r11.status, 200);
    assert.deepEqual(fields(r11.head).filter(([n]) => n === 'transfer-encoding'), [['transfer-encoding', 'chunked']], 'one Transfer-Encoding, ours');
    assert.equal(dechunk(r11.body), 'hello world');
    const r10 = await rawRequest(port, ['GET /chunked HTTP/1.0\r\nHost: a\r\n\r\n']);
    assert.equal(r10.status, 200);
    assert.equal(r10.body, 'hello world', 'an HTTP/1.0 client gets the body delimited by the close');
    assert.ok(r10.closed);
    assert.ok(!/transfer-encoding/i.test(r10.head));
  });

  it('sends no body for HEAD and 304, keeping their Content-Length', async () => {
    const head = await rawRequest(port, ['HEAD /plain HTTP/1.1\r\nHost: a\r\n\r\nGET /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n']);
    assert.equal(head.status, 200);
    assert.match(head.head, /\r\ncontent-length: 11(\r\n|$)/i);
    assert.ok(head.body.startsWith('HTTP/1.1 200 '), 'the next response follows the HEAD response at once, no body between');
    const nm = await rawRequest(port, ['GET /not-modified HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n']);
    assert.equal(nm.status, 304);
    assert.equal(nm.body, '');
    assert.match(nm.head, /\r\nETag: "v1"/);
  });
});

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

  it('answers 502 when the body breaks before any of it was forwarded', async () => {
    // A valid head, then a chunk size that is not one: the head had not left yet.
    const up = await rawUpstream((_req, s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot-a-size\r\n'));
    const gw = await pool.start({ yaml: defaultYaml(up.url) });
    const res = await request(`${gw.url}/`);
    assert.equal(res.status, 502);
    const rec = await gw.accessRecord(String(res.headers['x-request-id']));
    assert.match(String(rec.error), /upstream_protocol_error: invalid chunk size/);
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
