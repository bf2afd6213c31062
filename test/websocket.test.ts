// WebSocket upgrades pass through the gateway (after the same guards as any request).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'undici';
import { BASE_YAML, GatewayPool, type RunningGateway } from './helpers/gateway.js';
import { portOf, rawRequest } from './helpers/http.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.addEventListener('open', () => resolve(ws));
    ws.addEventListener('error', () => reject(new Error('websocket failed to open')));
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.addEventListener('message', (e) => resolve(String(e.data)), { once: true }));
}

describe('WebSocket', () => {
  let up: Upstream;
  let gw: RunningGateway;
  before(async () => {
    up = await startUpstream('ws');
    gw = await pool.start({
      yaml: `${BASE_YAML}upstreams: { app: { targets: [${up.url}] } }
routes: [{ name: app, upstream: app }]
acl:
  rules: [{ name: no-private-socket, action: deny, match: { path: { prefix: /private } } }]
`,
    });
  });
  after(() => up.close());

  it('passes an upgrade through and relays messages both ways', async () => {
    const ws = await open(`${gw.url.replace('http', 'ws')}/socket?room=1`);
    const reply = nextMessage(ws);
    ws.send('hello through the gateway');
    assert.equal(await reply, 'hello through the gateway');
    const big = 'x'.repeat(50_000);
    const reply2 = nextMessage(ws);
    ws.send(big);
    assert.equal((await reply2).length, big.length);
    ws.close();
    const seen = up.received.find((r) => r.url === '/socket?room=1')!;
    assert.equal(seen.headers.upgrade, 'websocket');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.ok(seen.headers['x-request-id']);
    await gw.waitFor(() => gw.access.some((l) => l.path === '/socket' && l.status === 101), 5000, 'the access record of the socket');
  });

  it('applies the guards to the upgrade request', async () => {
    const r = await rawRequest(portOf(gw.url), [
      'GET /private/socket HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    ]);
    assert.equal(r.status, 403);
    assert.match(r.body, /"error":"forbidden"/);
    assert.equal(up.received.some((x) => x.url.startsWith('/private')), false);
  });

  it("relays the upstream's refusal of an upgrade", async () => {
    const r = await rawRequest(portOf(gw.url), [
      'GET /ws-refuse HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    ]);
    assert.equal(r.status, 403);
  });
});
