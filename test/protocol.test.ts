// Protocol corners: HTTPS upstreams (verified against a CA, refused otherwise), Expect:
// 100-continue, HTTP/1.0 clients, pipelined requests, an IPv6 listener.
import assert from 'node:assert/strict';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BASE_YAML, GatewayPool, defaultYaml, tempDir } from './helpers/gateway.js';
import { createCa, hasOpenssl } from './helpers/certs.js';
import { portOf, rawRequest, request } from './helpers/http.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

describe('HTTPS upstreams', { skip: hasOpenssl() ? false : 'the openssl command is needed to make test certificates' }, () => {
  let server: https.Server;
  let origin: string;
  let dir: string;
  before(async () => {
    dir = tempDir();
    const ca = createCa(dir);
    const cert = ca.issue('backend.test', ['backend.test', 'localhost']);
    const { readFileSync } = await import('node:fs');
    server = https.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ secure: true, host: req.headers.host, sni: (req.socket as import('node:tls').TLSSocket).servername }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('verifies the upstream certificate against the configured CA and name', async () => {
    const gw = await pool.start({
      dir,
      yaml: defaultYaml(origin).replace(`targets: [${origin}]`, `targets: [${origin}]\n    tls: { ca: ca.crt, serverName: backend.test }`),
    });
    const res = await request(`${gw.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.json().secure, true);
    assert.equal(res.json().sni, 'backend.test');
  });

  it('refuses an upstream whose certificate it cannot verify (502)', async () => {
    const gw = await pool.start({ dir, yaml: defaultYaml(origin) });
    const res = await request(`${gw.url}/`);
    assert.equal(res.status, 502);
    const rec = await gw.accessRecord(String(res.headers['x-request-id']));
    assert.match(String(rec.error), /upstream_unreachable/);
  });
});

describe('HTTP/1.1 details', () => {
  let up: Upstream;
  let port: number;
  before(async () => {
    up = await startUpstream('app');
    const gw = await pool.start({ yaml: defaultYaml(up.url) });
    port = portOf(gw.url);
  });
  after(() => up.close());

  it('answers Expect: 100-continue, then forwards the body', async () => {
    const r = await rawRequest(port, ['POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n', 200, 'hello']);
    assert.equal(r.status, 100);
    assert.match(r.body, /^HTTP\/1\.1 200 OK/);
    const seen = up.received.find((x) => x.url === '/e')!;
    assert.equal(seen.bodyLength, 5);
    assert.equal(seen.headers.expect, undefined, 'Expect is hop-by-hop here: the gateway already answered it');
  });

  it('serves HTTP/1.0 clients', async () => {
    const r = await rawRequest(port, ['GET /old HTTP/1.0\r\nHost: a\r\n\r\n']);
    assert.match(r.head, /^HTTP\/1\.[01] 200/);
    assert.ok(r.closed, 'HTTP/1.0 without keep-alive ends with the response');
    assert.match(r.body, /"url":"\/old"/);
  });

  it('answers pipelined requests in order', async () => {
    const r = await rawRequest(port, ['GET /p1 HTTP/1.1\r\nHost: a\r\n\r\nGET /p2 HTTP/1.1\r\nHost: a\r\n\r\nGET /p3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n']);
    const text = `${r.head}\r\n\r\n${r.body}`;
    const order = [...text.matchAll(/"url":"(\/p[0-9])"/g)].map((m) => m[1]);
    assert.deepEqual(order, ['/p1', '/p2', '/p3']);
  });
});

describe('IPv6', () => {
  let v6 = true;
  before(async () => {
    v6 = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(0, '::1', () => s.close(() => resolve(true)));
    });
  });

  it('listens on an IPv6 address and sees IPv6 clients', async (t) => {
    if (!v6) return t.skip('no IPv6 loopback on this machine');
    const up = await startUpstream('app');
    const gw = await pool.start({
      yaml: defaultYaml(up.url).replace('address: 127.0.0.1:0', 'address: "[::1]:0"') + 'acl:\n  rules: [{ name: v6-only, action: deny, match: { notIps: ["::1/128"] } }]\n',
    });
    assert.match(gw.url, /^http:\/\/\[::1\]:[0-9]+$/);
    const res = await request(`${gw.url}/v6`);
    assert.equal(res.status, 200);
    const rec = await gw.accessRecord(String(res.headers['x-request-id']));
    assert.equal(rec.clientIp, '::1');
    assert.equal(res.json<{ headers: Record<string, string> }>().headers['x-forwarded-for'], '::1');
    await up.close();
  });
});

describe('absolute-form request targets', () => {
  it('route and forward by the target\'s authority, not the Host field', async () => {
    const up = await startUpstream('app');
    const gw = await pool.start({
      yaml: `${BASE_YAML}upstreams: { app: { targets: [${up.url}] } }
routes: [{ name: only-api, match: { hosts: [api.test] }, upstream: app }]
`,
    });
    const r = await rawRequest(portOf(gw.url), ['GET http://api.test/abs?x=1 HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n']);
    assert.equal(r.status, 200);
    const seen = up.received.find((x) => x.url === '/abs?x=1')!;
    assert.equal(seen.headers.host, 'api.test');
    const bad = await rawRequest(portOf(gw.url), ['GET http://bad"host/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n']);
    assert.equal(bad.status, 400);
    await up.close();
  });
});

describe('Expect', () => {
  it('answers 417 to an expectation it cannot meet', async () => {
    const up = await startUpstream('app');
    const gw = await pool.start({ yaml: defaultYaml(up.url) });
    const r = await rawRequest(portOf(gw.url), ['POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx']);
    assert.equal(r.status, 417);
    assert.match(r.body, /expectation_failed/);
    await up.close();
  });
});
