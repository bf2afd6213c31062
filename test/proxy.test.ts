// Proxying through the real gateway process: forwarding headers, hop-by-hop removal, streamed
// bodies both ways, routing, load balancing, passive health, upstream failures and the access log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE_YAML, GatewayPool, defaultYaml, type RunningGateway } from './helpers/gateway.js';
import { portOf, rawRequest, request } from './helpers/http.js';
import { pattern, sha256, startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

describe('proxying', () => {
  let up: Upstream;
  let gw: RunningGateway;
  before(async () => {
    up = await startUpstream('app');
    gw = await pool.start({ yaml: defaultYaml(up.url) });
  });
  after(() => up.close());

  it('forwards a request and its response, adding forwarding headers and a request id', async () => {
    const res = await request(`${gw.url}/things/42?x=1&y=%20z`, { headers: { 'user-agent': 'test/1', accept: 'application/json' } });
    assert.equal(res.status, 200);
    const seen = res.json<{ url: string; headers: Record<string, string> }>();
    assert.equal(seen.url, '/things/42?x=1&y=%20z', 'path and query reach the upstream unchanged');
    assert.equal(seen.headers['user-agent'], 'test/1');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-host'], new URL(gw.url).host);
    assert.equal(seen.headers.host, new URL(gw.url).host, 'Host is preserved by default');
    const id = res.headers['x-request-id'];
    assert.match(String(id), /^[0-9a-f]{16}-[0-9a-z]+$/);
    assert.equal(seen.headers['x-request-id'], id, 'the upstream sees the same request id');
  });

  it('drops hop-by-hop headers in both directions, including those named by Connection', async () => {
    // A raw request: client libraries rewrite Connection themselves.
    const raw = await rawRequest(portOf(gw.url), [
      'GET /hop-by-hop HTTP/1.1\r\nHost: x\r\nConnection: close, X-Client-Hop\r\nX-Client-Hop: secret\r\n' +
        'Proxy-Authorization: Basic Zm9vOmJhcg==\r\nTE: trailers\r\nX-End-To-End: kept\r\n\r\n',
    ]);
    assert.equal(raw.status, 200);
    const seen = up.received.at(-1)!.headers;
    assert.equal(seen['x-client-hop'], undefined);
    assert.equal(seen['proxy-authorization'], undefined);
    assert.equal(seen.te, undefined);
    assert.equal(seen['x-end-to-end'], 'kept');
    const res = await request(`${gw.url}/hop-by-hop`);
    assert.equal(res.headers['x-internal-secret'], undefined, 'a header the upstream named in Connection is dropped');
    assert.equal(res.headers['proxy-authenticate'], undefined);
    assert.notEqual(res.headers['keep-alive'], 'timeout=99', "the upstream's Keep-Alive is not the client's");
    assert.equal(res.headers['x-kept'], 'yes');
  });

  it('does not believe X-Forwarded-For or X-Request-Id from an untrusted client', async () => {
    const res = await request(`${gw.url}/`, { headers: { 'x-forwarded-for': '6.6.6.6', 'x-request-id': 'forged-id', forwarded: 'for=6.6.6.6', 'x-real-ip': '6.6.6.6' } });
    const seen = res.json<{ headers: Record<string, string> }>().headers;
    assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'replaced, not appended');
    assert.notEqual(seen['x-request-id'], 'forged-id');
    assert.equal(seen.forwarded, undefined);
    assert.equal(seen['x-real-ip'], undefined);
  });

  it('streams large bodies both ways intact', async () => {
    const body = pattern(8 * 1024 * 1024);
    const up1 = await request(`${gw.url}/upload`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(up1.status, 200);
    const rec = up1.json<{ bodyLength: number; bodySha256: string }>();
    assert.equal(rec.bodyLength, body.length);
    assert.equal(rec.bodySha256, sha256(body));
    const down = await request(`${gw.url}/big?bytes=${6 * 1024 * 1024 + 7}`);
    assert.equal(down.status, 200);
    assert.equal(down.body.length, 6 * 1024 * 1024 + 7);
    assert.equal(sha256(down.body), down.headers['x-sha256']);
  });

  it('keeps every byte of a response a client reads slowly while other responses stream', async () => {
    // The slow client makes the gateway queue its response and pause that upstream, while the
    // other downloads keep reading from their upstreams: nothing read for one response may be
    // overwritten by the reads of another.
    const http = await import('node:http');
    const slow = new Promise<{ body: Buffer; sha: string | undefined }>((resolve, reject) => {
      http
        .get(`${gw.url}/big?bytes=${16 * 1024 * 1024 + 5}`, { agent: false }, (res) => {
          res.pause();
          const parts: Buffer[] = [];
          setTimeout(() => {
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () => resolve({ body: Buffer.concat(parts), sha: res.headers['x-sha256'] as string | undefined }));
            res.resume();
          }, 400);
        })
        .on('error', reject);
    });
    const fast = await Promise.all([1, 2, 3].map((i) => request(`${gw.url}/big?bytes=${2 * 1024 * 1024 + i * 4099}`)));
    for (const r of fast) {
      assert.equal(r.status, 200);
      assert.equal(sha256(r.body), r.headers['x-sha256']);
    }
    const s = await slow;
    assert.equal(s.body.length, 16 * 1024 * 1024 + 5);
    assert.equal(sha256(s.body), s.sha);
  });

  it('forwards a chunked request body', async () => {
    const { Readable } = await import('node:stream');
    const parts = [Buffer.from('hello '), Buffer.from('chunked '), Buffer.from('world')];
    const res = await request(`${gw.url}/chunked`, { method: 'POST', body: Readable.from(parts) as unknown as Buffer });
    const rec = res.json<{ bodyLength: number; bodySha256: string }>();
    assert.equal(rec.bodyLength, 19);
    assert.equal(rec.bodySha256, sha256('hello chunked world'));
  });

  it('passes upstream statuses through, HEAD without a body', async () => {
    assert.equal((await request(`${gw.url}/status/418`)).status, 418);
    assert.equal((await request(`${gw.url}/status/503`)).status, 503);
    const head = await request(`${gw.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  it('writes one JSON access record per request with the outcome and the verdicts', async () => {
    const res = await request(`${gw.url}/logged/path?token=SECRET`);
    const id = String(res.headers['x-request-id']);
    const rec = await gw.accessRecord(id);
    assert.equal(rec.method, 'GET');
    assert.equal(rec.path, '/logged/path');
    assert.equal(rec.status, 200);
    assert.equal(rec.clientIp, '127.0.0.1');
    assert.equal(rec.route, 'app');
    assert.equal(rec.upstream, up.url);
    assert.equal(typeof rec.durationMs, 'number');
    assert.equal(typeof rec.upstreamMs, 'number');
    assert.ok(Array.isArray(rec.verdicts));
    assert.match(String(rec.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const line = gw.stdoutLines.find((l) => l.includes(id))!;
    assert.ok(!line.includes('SECRET'), 'the query string (which may hold credentials) is never logged');
  });
});

describe('routing', () => {
  let a: Upstream;
  let b: Upstream;
  let c: Upstream;
  let gw: RunningGateway;
  before(async () => {
    [a, b, c] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('c')]);
    gw = await pool.start({
      yaml: `${BASE_YAML}upstreams:
  a: { targets: [${a.url}] }
  b: { targets: [${b.url}] }
  c: { targets: [${c.url}], hostHeader: target }
routes:
  - { name: api, match: { pathPrefix: /api }, upstream: a }
  - { name: api-v2, match: { pathPrefix: /api/v2 }, upstream: b }
  - { name: writes, match: { pathPrefix: /orders, methods: [POST, PUT] }, upstream: b }
  - { name: reads, match: { pathPrefix: /orders, methods: [GET] }, upstream: a }
  - { name: tenant, match: { hosts: ["*.tenant.test"], pathPrefix: / }, upstream: c }
  - { name: exact-host, match: { hosts: [admin.tenant.test] }, upstream: a }
`,
    });
  });
  after(() => Promise.all([a.close(), b.close(), c.close()]));

  const upstreamOf = async (path: string, init: { method?: string; host?: string } = {}) => {
    const res = await request(`${gw.url}${path}`, {
      method: init.method ?? 'GET',
      ...(init.host ? { headers: { host: init.host } } : {}),
      ...(init.method === 'POST' ? { body: '{}' } : {}),
    });
    return res.status === 200 ? res.json<{ upstream: string }>().upstream : res.status;
  };

  it('picks the longest matching path prefix, on segment boundaries', async () => {
    assert.equal(await upstreamOf('/api/users'), 'a');
    assert.equal(await upstreamOf('/api/v2/users'), 'b');
    assert.equal(await upstreamOf('/api/v2'), 'b');
    assert.equal(await upstreamOf('/api/v20'), 'a', '/api/v2 does not match /api/v20');
    assert.equal(await upstreamOf('/apix'), 404, '/api does not match /apix');
  });

  it('matches methods and answers 405 when only the method is wrong', async () => {
    assert.equal(await upstreamOf('/orders/1', { method: 'POST' }), 'b');
    assert.equal(await upstreamOf('/orders/1'), 'a');
    assert.equal(await upstreamOf('/orders/1', { method: 'DELETE' }), 405);
  });

  it('matches hosts: exact before wildcard, wildcard only for subdomains', async () => {
    assert.equal(await upstreamOf('/x', { host: 'admin.tenant.test' }), 'a');
    assert.equal(await upstreamOf('/x', { host: 'shop.tenant.test:8080' }), 'c');
    assert.equal(await upstreamOf('/x', { host: 'SHOP.Tenant.Test' }), 'c', 'hosts compare case-insensitively');
    assert.equal(await upstreamOf('/x', { host: 'tenant.test' }), 404);
    const seen = (await request(`${gw.url}/x`, { headers: { host: 'shop.tenant.test' } })).json<{ headers: Record<string, string> }>().headers;
    assert.equal(seen.host, new URL(c.url).host, 'hostHeader: target sends the target\'s host');
    assert.equal(seen['x-forwarded-host'], 'shop.tenant.test');
  });

  it('answers 404 with a JSON error when no route matches', async () => {
    const res = await request(`${gw.url}/nothing-here`);
    assert.equal(res.status, 404);
    assert.equal(res.json().error, 'not_found');
    assert.equal(res.json().requestId, res.headers['x-request-id']);
  });
});

describe('load balancing and upstream failures', () => {
  let a: Upstream;
  let b: Upstream;
  let gw: RunningGateway;
  const deadPort = 1; // nothing listens on port 1: connections are refused at once
  before(async () => {
    [a, b] = await Promise.all([startUpstream('a'), startUpstream('b')]);
    gw = await pool.start({
      yaml: `${BASE_YAML}upstreams:
  pair: { targets: [${a.url}, ${b.url}] }
  flaky:
    targets: [http://127.0.0.1:${deadPort}, ${a.url}]
    health: { failures: 2, cooldown: 30s }
    retries: 1
  dead: { targets: [http://127.0.0.1:${deadPort}], retries: 0 }
  slow: { targets: [${b.url}], timeouts: { response: 300ms } }
routes:
  - { name: pair, match: { pathPrefix: /pair }, upstream: pair }
  - { name: flaky, match: { pathPrefix: /flaky }, upstream: flaky }
  - { name: dead, match: { pathPrefix: /dead }, upstream: dead }
  - { name: slow, match: { pathPrefix: /slow }, upstream: slow }
`,
    });
  });
  after(() => Promise.all([a.close(), b.close()]));

  it('spreads requests round robin over the targets', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) seen.push((await request(`${gw.url}/pair`)).json<{ upstream: string }>().upstream);
    assert.equal(seen.filter((s) => s === 'a').length, 5);
    assert.equal(seen.filter((s) => s === 'b').length, 5);
  });

  it('retries a refused connection on another target and takes the failing one out', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await request(`${gw.url}/flaky`)).status);
    assert.deepEqual(statuses, Array(8).fill(200), 'the client never sees the dead target');
    await gw.waitForLog('upstream target taken out after failures');
    const down = gw.logs.find((l) => l.msg === 'upstream target taken out after failures')!;
    assert.equal(down.target, `http://127.0.0.1:${deadPort}`);
  });

  it('answers 502 quickly when the upstream is unreachable', async () => {
    const t = performance.now();
    const res = await request(`${gw.url}/dead`);
    assert.equal(res.status, 502);
    assert.equal(res.json().error, 'bad_gateway');
    assert.ok(performance.now() - t < 2000);
  });

  it('answers 504 when the upstream does not answer in time', async () => {
    const t = performance.now();
    const res = await request(`${gw.url}/slow?ms=3000`);
    assert.equal(res.status, 504);
    assert.equal(res.json().error, 'gateway_timeout');
    assert.ok(performance.now() - t < 2000, 'the configured 300ms response timeout applies');
    const rec = await gw.accessRecord(String(res.headers['x-request-id']));
    assert.equal(rec.error, 'upstream_timeout');
  });
});
