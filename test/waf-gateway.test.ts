// The WAF in the gateway, through the command line and real sockets: the user's own SecLang
// rules (no CRS needed), block and detect modes, request and response bodies, body limits,
// per-route exclusions, configuration errors, and the OWASP CRS when it is available.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, GatewayPool, REPO_ROOT, tempDir, validateConfig as validate, type RunningGateway } from './helpers/gateway.js';
import { request } from './helpers/http.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

const RULES = `
SecRule ARGS "@contains evil" "id:1001,phase:2,deny,log,msg:'evil argument',tag:'test/evil'"
SecRule REQUEST_HEADERS:X-Attack "@streq yes" "id:1002,phase:1,deny,log,msg:'attack header'"
SecRule RESPONSE_HEADERS:X-Debug "@streq on" "id:1003,phase:3,deny,log,msg:'debug response'"
SecRule RESPONSE_BODY "@contains SECRET-LEAK" "id:1004,phase:4,deny,log,msg:'leak'"
SecRule ARGS:mode "@streq broken" "id:1005,phase:2,deny,status:400,log"
SecRule REQUEST_FILENAME "@streq /old" "id:1006,phase:1,redirect:https://example.com/new,log"
`;

function yaml(up: Upstream, waf: string, extra = ''): string {
  return `listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0 }
workers: 1
upstreams: { app: { targets: [${up.url}] } }
routes:
  - { name: public, match: { pathPrefix: /public }, upstream: app }
  - { name: main, upstream: app }
waf:
${waf}
${extra}`;
}

const indent = (text: string, n: number) => text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');

async function reqId(gw: RunningGateway, res: { headers: Record<string, unknown> }) {
  return gw.accessRecord(String(res.headers['x-request-id']));
}

describe('WAF with your own rules (block mode)', () => {
  let up: Upstream;
  let gw: RunningGateway;
  before(async () => {
    up = await startUpstream('app');
    gw = await pool.start({
      yaml: yaml(
        up,
        `  mode: block
  crs: none
  requestBody: { limit: 2kb }
  responseBody: { inspect: true, limit: 4kb }
  rules: |
${indent(RULES, 4)}
  exclusions:
    - { routes: [public], ruleIds: [1001], targets: ["ARGS:note"] }
`,
      ),
    });
  });
  after(() => up.close());

  it('passes clean requests and denies a matching argument with the deny body', async () => {
    const ok = await request(`${gw.url}/items?q=hello`);
    assert.equal(ok.status, 200);
    const before = up.received.length;
    const bad = await request(`${gw.url}/items?q=very+evil+text`);
    assert.equal(bad.status, 403);
    assert.deepEqual(Object.keys(bad.json()), ['error', 'requestId']);
    assert.equal(bad.json().error, 'forbidden');
    assert.equal(up.received.length, before, 'the upstream never saw the denied request');
    const rec = await reqId(gw, bad);
    const waf = (rec.verdicts as { guard: string; action: string; rule?: string }[]).find((v) => v.guard === 'waf');
    assert.equal(waf?.action, 'block');
    assert.equal(waf?.rule, '1001');
    assert.ok(!JSON.stringify(rec).includes('evil'), 'the access record carries no request data');
  });

  it('keeps a rule\'s own status and answers redirects', async () => {
    const bad = await request(`${gw.url}/x?mode=broken`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json().error, 'bad_request');
    const moved = await request(`${gw.url}/old`);
    assert.equal(moved.status, 302);
    assert.equal(moved.headers.location, 'https://example.com/new');
  });

  it('runs phase 1 rules on headers', async () => {
    assert.equal((await request(`${gw.url}/x`, { headers: { 'x-attack': 'yes' } })).status, 403);
    assert.equal((await request(`${gw.url}/x`, { headers: { 'x-attack': 'no' } })).status, 200);
  });

  it('inspects urlencoded request bodies and forwards clean ones whole', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await request(`${gw.url}/form`, { method: 'POST', headers: form, body: 'a=1&b=evil' })).status, 403);
    const ok = await request(`${gw.url}/form`, { method: 'POST', headers: form, body: 'a=1&b=kind' });
    assert.equal(ok.status, 200);
    assert.equal(ok.json().bodyLength, 10);
  });

  it('refuses a body over the inspection limit with 413', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const res = await request(`${gw.url}/form`, { method: 'POST', headers: form, body: `a=${'x'.repeat(4096)}` });
    assert.equal(res.status, 413);
  });

  it('blocks on response headers and response bodies without leaking them', async () => {
    const hdr = await request(`${gw.url}/page?text=fine&h-x-debug=on`);
    assert.equal(hdr.status, 403);
    assert.equal(hdr.headers['x-debug'], undefined);
    const leak = await request(`${gw.url}/page?text=${encodeURIComponent('<p>SECRET-LEAK</p>')}`);
    assert.equal(leak.status, 403);
    assert.ok(!leak.text.includes('SECRET-LEAK'));
    const page = await request(`${gw.url}/page?text=${encodeURIComponent('<p>all good</p>')}`);
    assert.equal(page.status, 200);
    assert.equal(page.text, '<p>all good</p>');
    // Bigger than the inspection limit: inspected in part, then streamed whole.
    const big = await request(`${gw.url}/page?text=abcdefgh&repeat=4096`);
    assert.equal(big.status, 200);
    assert.equal(big.body.length, 8 * 4096);
  });

  it('applies per-route exclusions to the named targets only', async () => {
    assert.equal((await request(`${gw.url}/public/a?note=evil`)).status, 200, 'ARGS:note is excluded on public');
    assert.equal((await request(`${gw.url}/public/a?other=evil`)).status, 403, 'other arguments are still inspected');
    assert.equal((await request(`${gw.url}/private?note=evil`)).status, 403, 'the exclusion is for the public route only');
  });
});

describe('WAF in detect mode', () => {
  let up: Upstream;
  let gw: RunningGateway;
  before(async () => {
    up = await startUpstream('app');
    gw = await pool.start({ yaml: yaml(up, `  mode: detect\n  crs: none\n  rules: |\n${indent(RULES, 4)}\n`) });
  });
  after(() => up.close());

  it('lets matching requests through and records what matched', async () => {
    const res = await request(`${gw.url}/items?q=evil`);
    assert.equal(res.status, 200);
    const rec = await reqId(gw, res);
    const waf = (rec.verdicts as { guard: string; action: string; reason?: string }[]).find((v) => v.guard === 'waf');
    assert.equal(waf?.action, 'allow');
    assert.match(String(waf?.reason), /detected: rules 1001/);
  });
});

describe('WAF configuration errors', () => {
  const base = 'upstreams: { app: { targets: [http://127.0.0.1:9] } }\nroutes: [{ name: main, upstream: app }]\n';

  it('names the rule, line and problem of a bad inline rule', async () => {
    const r = await validate(`${base}waf:\n  crs: none\n  rules: |\n    SecRule ARGS "@contains a" "id:1,phase:2,deny"\n    SecRule ARGS "@nosuchop x" "id:2,phase:2,deny"\n    SecRule NOSUCHVAR "@rx a" "id:3,phase:2,deny"\n    SecRule ARGS "@rx a" "id:1,phase:2,deny"\n`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /waf\.rules: waf\.rules:2: unknown operator "@nosuchop"/);
    assert.match(r.stderr, /waf\.rules:3: .*unknown variable "NOSUCHVAR"/);
    assert.match(r.stderr, /waf\.rules:4: rule id 1 is already used at waf\.rules:1/);
  });

  it('refuses a CRS directory that is not one, and unknown exclusion routes', async () => {
    const r = await validate(`${base}waf:\n  crs: ./nowhere\n  exclusions: [{ routes: [ghost], ruleIds: [942100] }]\n`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /waf\.crs: not an OWASP CRS directory/);
    assert.match(r.stderr, /waf\.exclusions\[0\]\.routes\[0\]: no route named "ghost"/);
  });

  it('refuses bad quick flags', async () => {
    const dir = tempDir();
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'serve', '--upstream', 'http://127.0.0.1:9', '--waf', 'maybe', '--paranoia', '7', '--data', path.join(dir, 'd')], { cwd: dir }, (err, _o, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--waf: "maybe" must be block, detect or off/);
    assert.match(r.stderr, /--paranoia: "7" must be a paranoia level/);
  });
});

const crsDir = process.env.PORTCULLIS_CRS_DIR ?? path.join(process.env.PORTCULLIS_SHARED ?? path.resolve(REPO_ROOT, '../shared'), 'crs');
const haveCrs = existsSync(path.join(crsDir, 'rules'));

describe('WAF with the OWASP CRS (quick flags)', () => {
  let up: Upstream;
  let gw: RunningGateway | undefined;
  before(async () => {
    if (!haveCrs) return;
    up = await startUpstream('app');
    gw = await pool.start({ args: ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--workers', '1', '--upstream', up.url, '--waf', 'block', '--crs', crsDir, '--paranoia', '1'] });
  });
  after(() => up?.close());

  it('blocks an XSS attack by anomaly score and passes an ordinary request', async (t) => {
    if (!gw) return t.skip(`no CRS at ${crsDir}: set PORTCULLIS_CRS_DIR, or run \`portcullis crs install\``);
    const ok = await request(`${gw.url}/search?q=blue+shoes`, { headers: { 'user-agent': 'Mozilla/5.0', accept: 'text/html' } });
    assert.equal(ok.status, 200);
    const bad = await request(`${gw.url}/search?q=${encodeURIComponent('<script>alert(1)</script>')}`, { headers: { 'user-agent': 'Mozilla/5.0', accept: 'text/html' } });
    assert.equal(bad.status, 403);
    const rec = await reqId(gw, bad);
    const waf = (rec.verdicts as { guard: string; action: string; rule?: string }[]).find((v) => v.guard === 'waf');
    assert.equal(waf?.rule, '949110');
    assert.ok(gw.logs.some((l) => l.msg === 'waf: OWASP CRS loaded'));
  });
});

describe('WAF with waf.crs: auto', () => {
  let up: Upstream;
  before(async () => {
    up = await startUpstream('app');
  });
  after(() => up.close());

  it('finds the CRS through PORTCULLIS_CRS_DIR and says where it came from', async (t) => {
    if (!haveCrs) return t.skip(`no CRS at ${crsDir}: set PORTCULLIS_CRS_DIR, or run \`portcullis crs install\``);
    const gw = await pool.start({ yaml: yaml(up, '  crs: auto\n'), env: { PORTCULLIS_CRS_DIR: crsDir } });
    const line = gw.logs.find((l) => l.msg === 'waf: OWASP CRS loaded');
    assert.equal(line?.crsSource, 'auto: PORTCULLIS_CRS_DIR');
    assert.equal(line?.crs, path.resolve(crsDir));
    assert.equal((await request(`${gw.url}/?q=${encodeURIComponent('<script>alert(1)</script>')}`)).status, 403);
  });

  it('without any CRS, says so and runs your own rules only', async () => {
    const gw = await pool.start({
      yaml: yaml(up, `  crs: auto\n  rules: |\n${indent(RULES, 4)}\n`),
      // Nothing installed in the test's data directory, no PORTCULLIS_CRS_DIR.
      env: { PORTCULLIS_CRS_DIR: '' },
    });
    assert.ok(gw.logs.some((l) => l.msg === 'configuration warning' && /no OWASP CRS found/.test(String(l.path))), gw.stderrLines.join('\n'));
    assert.ok(gw.logs.some((l) => l.msg === 'waf: no OWASP CRS, running your own rules only'));
    assert.equal((await request(`${gw.url}/?q=${encodeURIComponent('<script>alert(1)</script>')}`)).status, 200);
    assert.equal((await request(`${gw.url}/?q=evil`)).status, 403);
  });
});
