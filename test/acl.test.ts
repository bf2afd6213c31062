// ACLs through the real gateway. Clients at other addresses are played through a trusted proxy
// (the test's own loopback address) and X-Forwarded-For, which also tests that walk.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE_YAML, GatewayPool, type RunningGateway } from './helpers/gateway.js';
import { portOf, rawRequest, request } from './helpers/http.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

describe('ACL rules', () => {
  let up: Upstream;
  let gw: RunningGateway;
  before(async () => {
    up = await startUpstream('app');
    gw = await pool.start({
      yaml: `${BASE_YAML}trustedProxies: [127.0.0.1, 10.9.0.0/16]
lists:
  office: [203.0.113.0/24, "2001:db8:1::/48"]
  blocked: [198.51.100.7, "2001:db8:bad::1"]
upstreams: { app: { targets: [${up.url}] } }
routes: [{ name: app, upstream: app }]
acl:
  defaultAction: allow
  rules:
    - name: blocked-clients
      action: deny
      match: { ips: [blocked] }
    - name: office-admin
      action: allow
      match: { ips: [office], path: { prefix: /admin } }
    - name: admin
      action: deny
      match: { path: { prefix: /admin } }
    - name: no-deletes
      action: deny
      match: { methods: [DELETE], path: { glob: "/api/*/items/**" } }
    - name: internal-host
      action: deny
      match: { hosts: ["*.internal.test"], notIps: [office] }
    - name: debug-header
      action: deny
      match: { headers: [{ name: X-Debug, present: true }] }
    - name: old-clients
      action: deny
      match: { headers: [{ name: User-Agent, regex: "^LegacyBot/[0-9]+" }] }
    - name: report-exports
      action: deny
      match: { path: { regex: "^/reports/[0-9]+/export$" } }
`,
    });
  });
  after(() => up.close());

  const status = async (path: string, o: { ip?: string; method?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.ip) headers['x-forwarded-for'] = o.ip;
    return (await request(`${gw.url}${path}`, { method: o.method ?? 'GET', headers })).status;
  };

  it('denies listed IPv4 and IPv6 clients, everything else passes by default', async () => {
    assert.equal(await status('/x', { ip: '198.51.100.7' }), 403);
    assert.equal(await status('/x', { ip: '2001:db8:bad::1' }), 403);
    assert.equal(await status('/x', { ip: '2001:DB8:BAD:0:0:0:0:1' }), 403, 'IPv6 in another spelling');
    assert.equal(await status('/x', { ip: '198.51.100.8' }), 200);
    assert.equal(await status('/x'), 200);
  });

  it('evaluates rules in order: the first match decides', async () => {
    assert.equal(await status('/admin/users', { ip: '203.0.113.5' }), 200, 'office network may reach /admin');
    assert.equal(await status('/admin/users', { ip: '2001:db8:1:2::5' }), 200, 'office IPv6 too');
    assert.equal(await status('/admin/users', { ip: '192.0.2.1' }), 403);
    assert.equal(await status('/admin', { ip: '192.0.2.1' }), 403);
  });

  it('cannot be bypassed with path tricks', async () => {
    const port = portOf(gw.url);
    for (const target of ['/public/../admin/x', '/%61dmin/x', '//admin/x', '/./admin/x', '/admin/./x', '/%2e%2e/admin/x']) {
      const r = await rawRequest(port, [`GET ${target} HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 192.0.2.1\r\nConnection: close\r\n\r\n`]);
      assert.equal(r.status, 403, `${target} must be denied`);
    }
  });

  it('matches methods with globs on the path', async () => {
    assert.equal(await status('/api/v1/items/7', { method: 'DELETE' }), 403);
    assert.equal(await status('/api/v1/items/7/parts/2', { method: 'DELETE' }), 403);
    assert.equal(await status('/api/v1/items/7', { method: 'GET' }), 200);
    assert.equal(await status('/api/v1/other/7', { method: 'DELETE' }), 200, '* stays within one segment');
  });

  it('matches hosts and negated IP sets', async () => {
    assert.equal(await status('/x', { headers: { host: 'db.internal.test' }, ip: '192.0.2.1' }), 403);
    assert.equal(await status('/x', { headers: { host: 'db.internal.test' }, ip: '203.0.113.9' }), 200);
  });

  it('matches header presence and header regexes', async () => {
    assert.equal(await status('/x', { headers: { 'x-debug': '1' } }), 403);
    assert.equal(await status('/x', { headers: { 'user-agent': 'LegacyBot/3.1' } }), 403);
    assert.equal(await status('/x', { headers: { 'user-agent': 'ModernBot/3.1' } }), 200);
  });

  it('matches path regexes', async () => {
    assert.equal(await status('/reports/12/export'), 403);
    assert.equal(await status('/reports/12/view'), 200);
  });

  it('answers a denial with a small JSON body that reveals nothing else, and logs the rule', async () => {
    const res = await request(`${gw.url}/admin/secret`, { headers: { 'x-forwarded-for': '192.0.2.1' } });
    assert.equal(res.status, 403);
    const id = String(res.headers['x-request-id']);
    assert.deepEqual(res.json(), { error: 'forbidden', requestId: id });
    assert.equal(res.headers['content-type'], 'application/json');
    const rec = await gw.accessRecord(id);
    assert.equal(rec.clientIp, '192.0.2.1');
    assert.deepEqual(rec.verdicts, [{ guard: 'acl', action: 'block', rule: 'admin', reason: 'acl rule' }]);
    assert.equal(up.received.some((r) => r.url === '/admin/secret'), false, 'the upstream never saw it');
  });

  it('takes the client from X-Forwarded-For only through trusted proxies, walking from the right', async () => {
    // 10.9.0.0/16 are trusted proxies too, so the client is the address before them.
    assert.equal(await status('/x', { ip: '198.51.100.7, 10.9.1.1' }), 403);
    // A forged left-most entry does not help a blocked client behind an untrusted hop.
    assert.equal(await status('/x', { ip: '203.0.113.5, 198.51.100.7' }), 403);
    const res = await request(`${gw.url}/echo`, { headers: { 'x-forwarded-for': '192.0.2.44, 10.9.1.1' } });
    const seen = res.json<{ headers: Record<string, string> }>().headers;
    assert.equal(seen['x-forwarded-for'], '192.0.2.44, 10.9.1.1, 127.0.0.1', 'trusted chains are extended');
  });
});

describe('ACL default deny and a custom denial body', () => {
  let up: Upstream;
  let gw: RunningGateway;
  before(async () => {
    up = await startUpstream('app');
    gw = await pool.start({
      yaml: `${BASE_YAML}upstreams: { app: { targets: [${up.url}] } }
routes: [{ name: app, upstream: app }]
responses:
  deny:
    status: 404
    contentType: text/plain
    body: "not here ({requestId})"
acl:
  defaultAction: deny
  rules:
    - { name: health, action: allow, match: { path: { prefix: /health }, methods: [GET] } }
`,
    });
  });
  after(() => up.close());

  it('denies what no rule allows, with the configured response', async () => {
    const res = await request(`${gw.url}/anything`);
    assert.equal(res.status, 404);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.text, `not here (${String(res.headers['x-request-id'])})`);
    assert.equal((await request(`${gw.url}/health`)).status, 200);
    assert.equal((await request(`${gw.url}/health`, { method: 'POST', body: 'x' })).status, 404);
  });
});
