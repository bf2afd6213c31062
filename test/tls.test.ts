// TLS listeners with real certificates made in the test: SNI, minimum version, cipher policy,
// HSTS, and certificates replaced on disk without a restart.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { Agent } from 'undici';
import { GatewayPool, tempDir, type RunningGateway } from './helpers/gateway.js';
import { createCa, hasOpenssl, type TestCa } from './helpers/certs.js';
import { portOf, request } from './helpers/http.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

interface Handshake {
  ok: boolean;
  subject?: string;
  serial?: string;
  protocol?: string | null;
  error?: string;
}

function handshake(port: number, options: tls.ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve({ ok: false, error: 'timeout' });
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      resolve({ ok: true, subject: cert.subject?.CN as string, serial: cert.serialNumber, protocol: socket.getProtocol() });
      socket.end();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: `${err.code ?? ''} ${err.message}` }));
  });
}

describe('TLS listeners', { skip: hasOpenssl() ? false : 'the openssl command is needed to make test certificates' }, () => {
  let up: Upstream;
  let gw: RunningGateway;
  let ca: TestCa;
  let port: number;
  let dir: string;
  before(async () => {
    dir = tempDir();
    ca = createCa(dir);
    ca.issue('a.test', ['a.test']);
    ca.issue('b.test', ['b.test', '*.wild.test']);
    ca.issue('b.test v2', ['b.test', '*.wild.test'], 'b2');
    ca.issue('mismatch', ['b.test'], 'mismatch');
    up = await startUpstream('app');
    gw = await pool.start({
      dir,
      yaml: `listeners:
  - name: tls
    address: 127.0.0.1:0
    tls:
      certificates:
        - { cert: a.test.crt, key: a.test.key }
        - { cert: b.test.crt, key: b.test.key }
      hsts: { maxAge: 365d, includeSubDomains: true }
admin: { address: 127.0.0.1:0 }
workers: 1
upstreams: { app: { targets: [${up.url}] } }
routes: [{ name: app, upstream: app }]
`,
    });
    port = portOf(gw.url);
  });
  after(() => up.close());

  it('serves HTTPS with HSTS and tells the upstream the scheme', async () => {
    assert.match(gw.url, /^https:/);
    const dispatcher = new Agent({ connect: { ca: ca.caPem, servername: 'a.test' } });
    const res = await request(`${gw.url}/`, { dispatcher, headers: { host: 'a.test' } });
    await dispatcher.close();
    assert.equal(res.status, 200);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assert.equal(res.json<{ headers: Record<string, string> }>().headers['x-forwarded-proto'], 'https');
  });

  it("replaces the upstream's own Strict-Transport-Security with the listener's", async () => {
    const dispatcher = new Agent({ connect: { ca: ca.caPem, servername: 'a.test' } });
    const res = await request(`${gw.url}/page?text=hi&h-strict-transport-security=max-age=0&h-x-other=kept`, { dispatcher, headers: { host: 'a.test' } });
    await dispatcher.close();
    assert.equal(res.status, 200);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', 'one value, the listener\'s');
    assert.equal(res.headers['x-other'], 'kept');
  });

  it('chooses the certificate by SNI, wildcards included, the first one by default', async () => {
    assert.equal((await handshake(port, { ca: ca.caPem, servername: 'a.test' })).subject, 'a.test');
    assert.equal((await handshake(port, { ca: ca.caPem, servername: 'b.test' })).subject, 'b.test');
    assert.equal((await handshake(port, { ca: ca.caPem, servername: 'x.wild.test' })).subject, 'b.test');
    const unknown = await handshake(port, { ca: ca.caPem, servername: 'unknown.test', rejectUnauthorized: false });
    assert.equal(unknown.subject, 'a.test');
  });

  it('refuses TLS below 1.2 and non-forward-secret cipher suites', async () => {
    const old = await handshake(port, {
      ca: ca.caPem,
      servername: 'a.test',
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    assert.equal(old.ok, false);
    assert.match(String(old.error), /version|protocol/i);
    const weak = await handshake(port, { ca: ca.caPem, servername: 'a.test', maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:AES256-SHA' });
    assert.equal(weak.ok, false);
    const modern = await handshake(port, { ca: ca.caPem, servername: 'a.test', maxVersion: 'TLSv1.2' });
    assert.equal(modern.ok, true);
    assert.equal(modern.protocol, 'TLSv1.2');
  });

  it('picks up replaced certificate files without a restart', async () => {
    const before = await handshake(port, { ca: ca.caPem, servername: 'b.test' });
    const from = gw.logs.length;
    copyFileSync(`${dir}/b2.crt`, `${dir}/b.test.crt`);
    copyFileSync(`${dir}/b2.key`, `${dir}/b.test.key`);
    await gw.waitForLog('configuration reloaded', 10_000, from);
    const after = await handshake(port, { ca: ca.caPem, servername: 'b.test' });
    assert.equal(after.subject, 'b.test v2');
    assert.notEqual(after.serial, before.serial);
    assert.equal(gw.exitCode, null, 'the same process still runs');
  });

  it('keeps the running certificate when a replacement does not match its key', async () => {
    const from = gw.logs.length;
    copyFileSync(`${dir}/mismatch.crt`, `${dir}/b.test.crt`);
    const rejected = await gw.waitForLog('configuration reload rejected; keeping the running configuration', 10_000, from);
    assert.match(JSON.stringify(rejected.problems), /not the private key/);
    assert.equal((await handshake(port, { ca: ca.caPem, servername: 'b.test' })).subject, 'b.test v2');
  });
});

describe('TLS 1.3 only', { skip: hasOpenssl() ? false : 'openssl missing' }, () => {
  it('refuses TLS 1.2 when minVersion is TLSv1.3', async () => {
    const dir = tempDir();
    const ca = createCa(dir);
    ca.issue('a.test', ['a.test']);
    const up = await startUpstream();
    const gw = await pool.start({
      dir,
      yaml: `listeners: [{ address: 127.0.0.1:0, tls: { minVersion: TLSv1.3, certificates: [{ cert: a.test.crt, key: a.test.key }] } }]
admin: { address: 127.0.0.1:0 }
workers: 1
upstreams: { app: { targets: [${up.url}] } }
routes: [{ name: app, upstream: app }]
`,
    });
    const port = portOf(gw.url);
    assert.equal((await handshake(port, { ca: ca.caPem, servername: 'a.test', maxVersion: 'TLSv1.2' })).ok, false);
    assert.equal((await handshake(port, { ca: ca.caPem, servername: 'a.test' })).protocol, 'TLSv1.3');
    await up.close();
  });
});
