// Rate limits through the real gateway (per client IP, per API key, per route; across worker
// processes), and the store's bounds when millions of keys pass.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { GcraStore } from '../src/guards/rate-limit/gcra-store.js';
import { BASE_YAML, GatewayPool, type RunningGateway } from './helpers/gateway.js';
import { request } from './helpers/http.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

describe('rate limits', () => {
  let up: Upstream;
  let gw: RunningGateway;
  before(async () => {
    up = await startUpstream('app');
    gw = await pool.start({
      yaml: `${BASE_YAML}trustedProxies: [127.0.0.1]
upstreams: { app: { targets: [${up.url}] } }
routes:
  - { name: search, match: { pathPrefix: /search }, upstream: app }
  - { name: keyed, match: { pathPrefix: /keyed }, upstream: app }
  - { name: ip, match: { pathPrefix: /ip }, upstream: app }
rateLimits:
  - name: per-ip
    key: ip
    rate: 2/s
    burst: 3
    routes: [ip]
  - name: per-key
    key: header:X-Api-Key
    rate: 60/m
    burst: 2
    routes: [keyed]
  - name: search-total
    key: route
    rate: 1/m
    burst: 4
    routes: [search]
`,
    });
  });
  after(() => up.close());

  const get = (path: string, headers: Record<string, string> = {}) => request(`${gw.url}${path}`, { headers });

  it('allows a burst, then answers 429 with Retry-After and RateLimit headers', async () => {
    const ip = { 'x-forwarded-for': '192.0.2.10' };
    const allowed = [await get('/ip', ip), await get('/ip', ip), await get('/ip', ip)];
    assert.deepEqual(allowed.map((r) => r.status), [200, 200, 200]);
    assert.equal(allowed[0]!.headers['ratelimit-policy'], '"per-ip";q=3;w=2');
    assert.match(String(allowed[0]!.headers.ratelimit), /^"per-ip";r=2;t=1$/);
    assert.match(String(allowed[2]!.headers.ratelimit), /^"per-ip";r=0;t=[12]$/);
    const over = await get('/ip', ip);
    assert.equal(over.status, 429);
    assert.equal(over.json().error, 'rate_limited');
    assert.equal(over.headers['retry-after'], '1');
    assert.match(String(over.headers.ratelimit), /^"per-ip";r=0;t=1$/);
    const rec = await gw.accessRecord(String(over.headers['x-request-id']));
    assert.equal(rec.status, 429);
    assert.deepEqual((rec.verdicts as { action: string }[]).map((v) => v.action), ['throttle']);
  });

  it('keeps clients apart, and refills at the configured rate', async () => {
    const other = { 'x-forwarded-for': '192.0.2.11' };
    assert.equal((await get('/ip', other)).status, 200, 'another client has its own bucket');
    const ip = { 'x-forwarded-for': '192.0.2.10' };
    assert.equal((await get('/ip', ip)).status, 429);
    await new Promise((r) => setTimeout(r, 600)); // 2/s: one request back after 500 ms
    assert.equal((await get('/ip', ip)).status, 200);
    assert.equal((await get('/ip', ip)).status, 429);
  });

  it('keys by a header (an API key), falling back to the client IP without it', async () => {
    const k1 = { 'x-api-key': 'key-one' };
    const k2 = { 'x-api-key': 'key-two' };
    assert.deepEqual([(await get('/keyed', k1)).status, (await get('/keyed', k1)).status, (await get('/keyed', k1)).status], [200, 200, 429]);
    assert.equal((await get('/keyed', k2)).status, 200);
    const none = { 'x-forwarded-for': '192.0.2.50' };
    assert.deepEqual([(await get('/keyed', none)).status, (await get('/keyed', none)).status, (await get('/keyed', none)).status], [200, 200, 429]);
    assert.equal((await get('/keyed', { 'x-forwarded-for': '192.0.2.51' })).status, 200);
  });

  it('keys by route: all clients share the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get('/search', { 'x-forwarded-for': `192.0.2.${100 + i}` })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  });

  it('does not touch routes outside a policy', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await get('/elsewhere-is-404')).status, 404);
  });
});

describe('rate limits across worker processes', () => {
  let up: Upstream;
  let gw: RunningGateway;
  before(async () => {
    up = await startUpstream('app');
    gw = await pool.start({
      yaml: `${BASE_YAML.replace('workers: 1', 'workers: 2')}upstreams: { app: { targets: [${up.url}] } }
routes: [{ name: app, upstream: app }]
rateLimits:
  - { name: global, key: route, rate: 10/m, burst: 10 }
`,
    });
  });
  after(() => up.close());

  it('holds the limit when requests are spread over two workers', async () => {
    let allowed = 0;
    for (let i = 0; i < 40; i++) {
      // A new connection each time: the primary hands connections to the workers in turn.
      const dispatcher = new Agent({ pipelining: 0 });
      const res = await request(`${gw.url}/`, { dispatcher, headers: { connection: 'close' } });
      await dispatcher.close();
      if (res.status === 200) allowed++;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(allowed >= 10 && allowed <= 12, `allowed ${allowed} of 40 with a limit of 10 (two workers)`);
  });
});

describe('rate-limit store', () => {
  it('stays bounded when millions of distinct keys pass, and expires idle keys', () => {
    const store = new GcraStore(10, 1000, 5, 100_000);
    let now = 0;
    for (let i = 0; i < 2_000_000; i++) {
      store.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}#${i}`, now);
      if (i % 1000 === 0) now += 1;
    }
    assert.ok(store.size <= 100_000, `${store.size} keys kept`);
    // Idle keys expire once their bucket is full again (burst 5 at 10/s: 0.5 s).
    store.sweep(now + 1000);
    assert.equal(store.size, 0);
  });

  it('keeps active keys when the cap evicts: least recently used go first', () => {
    const store = new GcraStore(1, 60_000, 2, 1000);
    store.take('busy', 0);
    for (let i = 0; i < 5000; i++) {
      store.take(`k${i}`, 0);
      if (i % 100 === 0) store.take('busy', 0);
    }
    // 'busy' was used recently, so it is still limited (its bucket is empty).
    assert.equal(store.take('busy', 1).allowed, false);
  });

  it('counts exactly at fractional clock readings (no request lost to rounding)', () => {
    // performance.now() values: (now + interval) - now is not always the interval in doubles.
    for (let i = 0; i < 20_000; i++) {
      const store = new GcraStore(2, 1000, 3, 10); // 2/s, burst 3
      const now = Math.random() * 1e7;
      const first = store.take('k', now);
      assert.equal(first.remaining, 2, `first request at ${now}`);
      assert.equal(store.take('k', now).remaining, 1, `second request at ${now}`);
      assert.equal(store.take('k', now).allowed, true, `the whole burst at ${now}`);
      assert.equal(store.take('k', now).allowed, false, `one over the burst at ${now}`);
    }
  });

  it('computes GCRA exactly: burst, then one request per interval', () => {
    const store = new GcraStore(2, 1000, 3, 10); // 2/s, burst 3
    const at = (t: number) => store.take('k', t).allowed;
    assert.deepEqual([at(0), at(0), at(0), at(0)], [true, true, true, false]);
    assert.equal(at(499), false);
    assert.equal(at(500), true);
    assert.equal(at(500), false);
    const r = store.take('k', 600);
    assert.equal(r.allowed, false);
    assert.equal(Math.round(r.retryAfterMs), 400);
  });
});
