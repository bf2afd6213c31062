// Operating the gateway: quick flags, worker processes, the admin listener, reload on SIGHUP (and
// refusal of a bad config), draining on SIGTERM, replacing a crashed worker.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { GatewayPool, defaultYaml, startGateway, type RunningGateway } from './helpers/gateway.js';
import { request } from './helpers/http.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

let up: Upstream;
before(async () => {
  up = await startUpstream('app');
});
after(() => up.close());

describe('quick flags', () => {
  it('runs from flags alone: --listen, --upstream, --admin, --workers, --data', async () => {
    const gw = await pool.start({ args: ['--listen', '127.0.0.1:0', '--upstream', up.url, '--admin', '127.0.0.1:0', '--workers', '2'] });
    const res = await request(`${gw.url}/hello`);
    assert.equal(res.status, 200);
    const ready = await request(`${gw.adminUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json().workers, { ready: 2, total: 2 });
    // Request ids stay unique across worker processes (new connections land on both).
    const ids = new Set<string>();
    const prefixes = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await request(`${gw.url}/id`, { headers: { connection: 'close' } });
      const id = String(r.headers['x-request-id']);
      ids.add(id);
      prefixes.add(id.split('-')[0]!);
    }
    assert.equal(ids.size, 20);
    assert.equal(prefixes.size, 2, 'each worker process has its own id prefix');
    await gw.stop();
  });

  it('lets flags win over the file', async () => {
    const other = await startUpstream('other');
    const gw = await pool.start({
      yaml: defaultYaml(up.url).replace('upstreams:\n  app:', 'upstreams:\n  default:\n    targets: [http://127.0.0.1:1]\n  app:'),
      args: ['--listen', '127.0.0.1:0', '--upstream', other.url],
    });
    // The file's route "app" is kept; --upstream replaced the "default" upstream's targets.
    assert.equal((await request(`${gw.url}/`)).json<{ upstream: string }>().upstream, 'app');
    await gw.stop();
    const gw2 = await pool.start({ args: ['--listen', '127.0.0.1:0', '--upstream', other.url, '--admin', '127.0.0.1:0', '--workers', '1'] });
    assert.equal((await request(`${gw2.url}/`)).json<{ upstream: string }>().upstream, 'other');
    await gw2.stop();
    await other.close();
  });

  it('refuses to start on bad flags, naming them', async () => {
    const gw = await startGateway({ args: ['--listen', 'nope', '--upstream', 'ftp://x', '--admin', '127.0.0.1:0'], expectExit: true });
    assert.notEqual(gw.exitCode, 0);
    const err = gw.stderrLines.join('\n');
    assert.match(err, /--listen: "nope" must be HOST:PORT/);
    assert.match(err, /--upstream: "ftp:\/\/x" must be an origin URL/);
  });

  it('refuses to start on an invalid file, listing every problem', async () => {
    const gw = await startGateway({
      yaml: `listeners: [{ address: 127.0.0.1:0 }]\nadmin: { address: 127.0.0.1:0 }\nroutes: [{ name: r, upstream: missing }]\ntimeouts: { drain: soon }\nbogus: 1\n`,
      expectExit: true,
    });
    assert.equal(gw.exitCode, 1);
    const err = gw.stderrLines.join('\n');
    assert.match(err, /not starting/);
    assert.match(err, /bogus: unknown key \(line 5\)/);
    assert.match(err, /timeouts\.drain: must be a duration/);
  });

  it('tells where the admin listener cannot open', async () => {
    const a = await pool.start({ yaml: defaultYaml(up.url) });
    const port = new URL(a.adminUrl).port;
    const b = await startGateway({ args: ['--listen', '127.0.0.1:0', '--upstream', up.url, '--admin', `127.0.0.1:${port}`], expectExit: true });
    assert.equal(b.exitCode, 1);
    assert.match(b.stderrLines.join('\n'), /cannot open the admin listener/);
  });
});

describe('admin listener', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await pool.start({ yaml: defaultYaml(up.url) });
  });

  it('answers health and readiness, and nothing else', async () => {
    const health = await request(`${gw.adminUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.json().status, 'ok');
    const ready = await request(`${gw.adminUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.json().status, 'ready');
    assert.equal(ready.json().configVersion, 1);
    assert.equal((await request(`${gw.adminUrl}/nope`)).status, 404);
    assert.equal((await request(`${gw.adminUrl}/healthz`, { method: 'POST', body: '' })).status, 405);
  });

  it('is not reachable on the traffic port', async () => {
    const res = await request(`${gw.url}/readyz`);
    assert.notEqual(res.json().status, 'ready', 'the traffic listener proxies /readyz to the upstream');
    assert.equal(res.json().upstream, 'app');
  });
});

describe('reload on SIGHUP', () => {
  let gw: RunningGateway;
  const extraRoute = (prefix: string) => `  - name: blocked
    upstream: app
    match: { pathPrefix: ${prefix} }
acl:
  rules: [{ name: deny-${prefix.slice(1)}, action: deny, match: { path: { prefix: ${prefix} } } }]
`;
  before(async () => {
    gw = await pool.start({ yaml: defaultYaml(up.url) });
  });

  it('applies a valid new configuration atomically, without dropping requests', async () => {
    assert.equal((await request(`${gw.url}/first`)).status, 200);
    writeFileSync(gw.configFile!, defaultYaml(up.url) + extraRoute('/first'));
    const from = gw.logs.length;
    // Keep requests going while the reload happens: none may fail.
    let stop = false;
    const statuses: number[] = [];
    const load = (async () => {
      while (!stop) statuses.push((await request(`${gw.url}/other`)).status);
    })();
    gw.signal('SIGHUP');
    await gw.waitForLog('configuration reloaded', 10_000, from);
    stop = true;
    await load;
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `statuses during reload: ${[...new Set(statuses)].join(',')}`);
    assert.equal((await request(`${gw.url}/first`)).status, 403);
    assert.equal((await request(`${gw.adminUrl}/readyz`)).json().configVersion, 2);
  });

  it('keeps the running configuration when the new file is invalid, and says why', async () => {
    writeFileSync(gw.configFile!, defaultYaml(up.url) + 'routes: oops\n');
    const from = gw.logs.length;
    gw.signal('SIGHUP');
    const rejected = await gw.waitForLog('configuration reload rejected; keeping the running configuration', 10_000, from);
    assert.ok(Array.isArray(rejected.problems) && (rejected.problems as string[]).length > 0);
    assert.equal((await request(`${gw.url}/first`)).status, 403, 'the previous configuration still runs');
    assert.equal((await request(`${gw.adminUrl}/readyz`)).json().configVersion, 2);
  });
});

describe('drain on SIGTERM', () => {
  it('finishes requests in flight, refuses new connections, then exits 0', async () => {
    const gw = await startGateway({ yaml: defaultYaml(up.url) });
    const slow = request(`${gw.url}/slow?ms=1500`);
    await new Promise((r) => setTimeout(r, 300));
    gw.signal('SIGTERM');
    await gw.waitForLog('draining, then exiting');
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(request(`${gw.url}/new`), 'new connections are refused while draining');
    const res = await slow;
    assert.equal(res.status, 200, 'the in-flight request completed');
    assert.equal(res.json().slow, true);
    assert.equal(await gw.exited, 0);
  });

  it('ends what is still running at the drain deadline', async () => {
    const gw = await startGateway({ yaml: defaultYaml(up.url).replace('workers: 1', 'workers: 1\ntimeouts: { drain: 500ms }') });
    const stalled = request(`${gw.url}/stall`).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 300));
    const t = performance.now();
    gw.signal('SIGTERM');
    assert.equal(await gw.exited, 0);
    assert.ok(performance.now() - t < 4000, 'exit came soon after the deadline');
    const outcome = await stalled;
    assert.ok(outcome instanceof Error || (outcome as { status: number }).status === 200);
  });
});

describe('worker processes', () => {
  it('replaces a worker that dies', async () => {
    const gw = await pool.start({ yaml: defaultYaml(up.url).replace('workers: 1', 'workers: 2') });
    const { execFileSync } = await import('node:child_process');
    const children = execFileSync('pgrep', ['-P', String(gw.child.pid)]).toString().trim().split('\n').map(Number);
    assert.equal(children.length, 2);
    process.kill(children[0]!, 'SIGKILL');
    await gw.waitForLog('worker exited unexpectedly');
    await gw.waitForLog('worker ready');
    assert.equal(execFileSync('pgrep', ['-P', String(gw.child.pid)]).toString().trim().split('\n').length, 2);
    assert.equal((await request(`${gw.adminUrl}/readyz`)).status, 200);
    for (let i = 0; i < 6; i++) assert.equal((await request(`${gw.url}/after`)).status, 200);
  });
});
