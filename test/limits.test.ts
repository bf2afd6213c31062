// Limits and malformed requests, each through a raw socket: the right status, a JSON body, the
// connection closed where the framing can't be trusted, and never a hung socket.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE_YAML, GatewayPool, type RunningGateway } from './helpers/gateway.js';
import { portOf, rawRequest, request } from './helpers/http.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

describe('limits and malformed requests', () => {
  let up: Upstream;
  let gw: RunningGateway;
  let port: number;
  before(async () => {
    up = await startUpstream('app');
    gw = await pool.start({
      yaml: `${BASE_YAML}limits:
  maxBodyBytes: 64kb
  maxHeaderBytes: 8kb
  maxUriBytes: 2kb
  maxHeaderCount: 50
timeouts:
  clientHeaders: 600ms
  clientBody: 600ms
upstreams: { app: { targets: [${up.url}] } }
routes: [{ name: app, upstream: app }]
`,
    });
    port = portOf(gw.url);
  });
  after(() => up.close());

  const send = (...chunks: (string | Buffer | number)[]) => rawRequest(port, chunks, 5000);

  it('accepts a well-formed request on the same raw path (control)', async () => {
    const r = await send('GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(r.status, 200);
  });

  it('413 for a declared body over the limit, without reading it', async () => {
    const r = await send('POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n', 'x'.repeat(1000));
    assert.equal(r.status, 413);
    assert.match(r.body, /"error":"payload_too_large"/);
    assert.ok(r.closed, 'the connection is closed rather than the body read');
  });

  it('413 for a chunked body that grows over the limit', async () => {
    const chunk = `8000\r\n${'x'.repeat(0x8000)}\r\n`;
    const before = up.received.length;
    const r = await send('POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n', chunk, chunk, chunk, chunk, '0\r\n\r\n');
    assert.equal(r.status, 413);
    assert.ok(r.closed);
    // The upstream may have seen the start of it, but never a complete over-limit body.
    assert.ok(up.received.slice(before).every((x) => x.bodyLength <= 64 * 1024));
  });

  it('431 for a request head over the limit, and for too many header fields', async () => {
    const big = await send(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(10_000)}\r\n\r\n`);
    assert.equal(big.status, 431);
    assert.ok(big.closed);
    const many = await send(`GET / HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 60 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`);
    assert.equal(many.status, 431);
  });

  it('414 for a request target over the limit', async () => {
    const r = await send(`GET /${'a'.repeat(3000)} HTTP/1.1\r\nHost: a\r\n\r\n`);
    assert.equal(r.status, 414);
    assert.match(r.body, /uri_too_long/);
    const huge = await send(`GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: a\r\n\r\n`);
    assert.equal(huge.status, 414, 'even when it overflows the whole head');
  });

  it('408 for a client that stalls while sending the head', async () => {
    const r = await send('GET / HTTP/1.1\r\nHost: a\r\n', 3000);
    assert.equal(r.status, 408);
    assert.ok(r.closed);
    assert.ok(r.elapsedMs < 2500, `answered after ${Math.round(r.elapsedMs)} ms`);
  });

  it('408 for a client that stalls in the middle of its body', async () => {
    const r = await send('POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n', 'only-part', 3000);
    assert.equal(r.status, 408);
    assert.ok(r.closed);
    assert.ok(r.elapsedMs < 2500, `answered after ${Math.round(r.elapsedMs)} ms`);
  });

  const smuggling: [string, string][] = [
    ['Content-Length and Transfer-Encoding together', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['duplicate Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde'],
    ['duplicate equal Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd'],
    ['Content-Length with a sign', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\nabcd'],
    ['Transfer-Encoding other than chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'],
    ['obfuscated Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n'],
    ['two Transfer-Encoding fields', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['space before the colon', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n'],
    ['a folded header line', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n'],
    ['a bare LF in the head', 'GET / HTTP/1.1\nHost: a\n\n'],
    ['an invalid chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n'],
    ['missing Host in HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: 1\r\n\r\n'],
    ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['an invalid Host', 'GET / HTTP/1.1\r\nHost: a b@c\r\n\r\n'],
    ['an invalid method', 'G<T / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['an invalid version', 'GET / HTTP/9.1\r\nHost: a\r\n\r\n'],
    ['a control character in the target', 'GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['bad percent-encoding in the path', 'GET /a%zzb HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['an encoded NUL in the path', 'GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n'],
  ];
  for (const [name, text] of smuggling) {
    it(`400 for ${name}`, async () => {
      const before = up.received.length;
      const r = await send(text);
      assert.equal(r.status, 400, `got: ${r.head.split('\r\n')[0]}`);
      assert.ok(r.closed, 'the connection is closed: its framing cannot be trusted');
      assert.ok(r.elapsedMs < 2000);
      assert.equal(up.received.length, before, 'nothing reached the upstream');
    });
  }

  it('logs refused requests too', async () => {
    const r = await send('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    assert.equal(r.status, 400);
    await gw.waitFor(() => gw.access.some((l) => l.status === 400 && /Transfer-Encoding/.test(String(l.error))), 3000, 'an access record of the refused request');
  });

  it('keeps serving ordinary requests after all of that', async () => {
    assert.equal((await request(`${gw.url}/fine`)).status, 200);
  });
});
