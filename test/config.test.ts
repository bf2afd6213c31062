// The configuration file and `portcullis config validate`: every problem listed as
// `path: what is wrong` (with its line), environment interpolation, unknown keys refused, the
// published JSON Schema kept in step with the definitions.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/load.js';
import { ConfigError, formatProblem } from '../src/config/problems.js';
import { jsonSchemaDocument } from '../src/config/schema.js';
import { parseDuration, parseRate, parseSize } from '../src/config/units.js';
import { REPO_ROOT, tempDir, validateConfig as validate } from './helpers/gateway.js';

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  const dir = tempDir();
  const file = path.join(dir, 'p.yaml');
  writeFileSync(file, yaml);
  try {
    loadConfig({ file, env, cwd: dir });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map(formatProblem);
  }
}

const GOOD = `# A complete, valid file
listeners:
  - name: public
    address: 0.0.0.0:8080
admin: { address: 127.0.0.1:9901 }
workers: auto
trustedProxies: [10.0.0.0/8, lb]
lists:
  lb: [192.168.0.10]
  office: [203.0.113.0/24, "2001:db8::/32"]
limits: { maxBodyBytes: 5mb, maxHeaderBytes: 16kb, maxUriBytes: 4kb }
timeouts: { clientHeaders: 5s, clientBody: 20s, keepAlive: 5s, drain: 1m }
upstreams:
  api:
    targets: [http://10.0.0.5:3000, http://10.0.0.6:3000]
    connections: 64
    timeouts: { connect: 2s, response: 15s }
    health: { failures: 5, cooldown: 30s }
routes:
  - name: api
    match: { hosts: [api.example.com], pathPrefix: /v1, methods: [GET, POST] }
    upstream: api
acl:
  rules:
    - name: admin
      action: deny
      match: { path: { glob: "/admin/**" }, notIps: [office] }
rateLimits:
  - { name: per-key, key: "header:X-Api-Key", rate: 600/m, burst: 20 }
`;

describe('config validate', () => {
  it('accepts a valid file and says so', async () => {
    const r = await validate(GOOD);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid \(1 routes, 1 listeners\)/);
  });

  it('lists every structural problem as path: message with its line, and exits 1', async () => {
    const r = await validate(`listeners:
  - address: localhost
    colour: blue
workers: many
timeouts: { clientHeaders: fast }
limits: { maxBodyBytes: 10 parsecs }
upstreams:
  api: { targets: [ftp://x] }
routes:
  - { name: r1, upstream: api, match: { pathPrefix: api } }
rateLimits:
  - { name: x, key: cookie, rate: lots }
acl:
  rules: [{ name: a, action: maybe, match: {} }]
`);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /: 10 problems$/);
    const expected = [
      'listeners[0].address: must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080 (line 2)',
      'listeners[0].colour: unknown key (line 3)',
      'workers: must be a number of workers (1-256) or "auto" (line 4)',
      'timeouts.clientHeaders: must be a duration such as "500ms", "5s", "2m", "1h", "30d" (or a number of milliseconds) (line 5)',
      'limits.maxBodyBytes: must be a size such as "512b", "64kb", "10mb" (or a number of bytes) (line 6)',
      'upstreams.api.targets[0]: must be an origin URL such as http://127.0.0.1:3000 (line 8)',
      'routes[0].match.pathPrefix: must start with "/" (line 10)',
      'rateLimits[0].key: must be "ip", "route" or "header:<header-name>" (line 12)',
      'rateLimits[0].rate: must be a rate such as "100/s", "600/m" or "10000/h" (line 12)',
      'acl.rules[0].action: must be one of: allow, deny (line 14)',
    ];
    for (const e of expected) assert.ok(lines.includes(e), `missing: ${e}\ngot:\n${lines.join('\n')}`);
  });

  it('checks references and values once the structure is right', () => {
    const p = problems(`listeners: [{ address: 127.0.0.1:8080 }, { address: 127.0.0.1:8080 }]
admin: { address: 127.0.0.1:8080 }
trustedProxies: [10.0.0.0/33, nosuchlist]
lists: { office: [not-an-ip] }
limits: { maxUriBytes: 64kb, maxHeaderBytes: 32kb }
upstreams: { api: { targets: ["http://user:pw@10.0.0.5:3000"] } }
routes:
  - { name: r, upstream: nope }
  - { name: r, upstream: api }
acl:
  rules:
    - { name: a, action: deny, match: { path: { prefix: /a, glob: /b } } }
    - { name: b, action: deny, match: { path: { regex: "(a)\\\\1" } } }
    - { name: c, action: deny, match: { headers: [{ name: x }] } }
    - { name: d, action: deny, match: { ips: [office, unknown-list] } }
rateLimits:
  - { name: p, key: ip, rate: 1/s, routes: [ghost] }
`);
    const expected = [
      'listeners[1].address: same address as listeners[0] (line 1)',
      "admin.address: the admin listener must not share listeners[0]'s address (line 2)",
      'trustedProxies[0]: "10.0.0.0/33" has an invalid prefix length (0-32) (line 3)',
      'trustedProxies[1]: unknown list "nosuchlist" (declare it under lists) (line 3)',
      'lists.office[0]: "not-an-ip" is not an IP address or CIDR block (line 4)',
      'limits.maxUriBytes: must be smaller than limits.maxHeaderBytes (the request line is part of the head) (line 5)',
      'upstreams.api.targets[0]: must be an origin (scheme, host and port), without path or credentials (line 6)',
      'routes[0].upstream: unknown upstream "nope" (known: api) (line 8)',
      'routes[1].name: duplicate route name "r" (line 9)',
      'acl.rules[0].match.path: give exactly one of prefix, glob or regex (line 12)',
      'acl.rules[2].match.headers[0]: give exactly one of present, equals, prefix or regex (line 14)',
      'acl.rules[3].match.ips[1]: unknown list "unknown-list" (declare it under lists) (line 15)',
      'rateLimits[0].routes[0]: unknown route "ghost" (line 17)',
    ];
    for (const e of expected) assert.ok(p.includes(e), `missing: ${e}\ngot:\n${p.join('\n')}`);
    assert.ok(
      p.some((x) => x.startsWith('acl.rules[1].match.path.regex: regex "(a)\\1" needs backtracking')),
      `a backtracking regex is refused:\n${p.join('\n')}`,
    );
  });

  it('reports YAML syntax errors with their line, and duplicate keys', () => {
    assert.deepEqual(problems('listeners:\n  - address: [unclosed\n'), ['(top level): YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ] (line 3)']);
    const dup = problems('workers: 1\nworkers: 2\n');
    assert.equal(dup.length, 1);
    assert.match(dup[0]!, /YAML syntax: Map keys must be unique \(line 2\)/);
    assert.deepEqual(problems('- just\n- a list\n'), ['(top level): the file must hold a mapping of settings']);
  });

  it('interpolates ${ENV} in values, with defaults, and refuses unset variables', () => {
    const yaml = `upstreams: { api: { targets: ["\${API_URL}"], hostHeader: "\${API_HOST:-api.internal}" } }
routes: [{ name: r, upstream: api }]
responses: { deny: { body: "$\${literal}" } }
`;
    const dir = tempDir();
    const file = path.join(dir, 'p.yaml');
    writeFileSync(file, yaml);
    const loaded = loadConfig({ file, env: { API_URL: 'http://10.1.2.3:8000' }, cwd: dir });
    assert.deepEqual(loaded.settings.upstreams.api!.targets, ['http://10.1.2.3:8000']);
    assert.equal(loaded.settings.upstreams.api!.hostHeader, 'api.internal');
    assert.equal(loaded.settings.denyResponse.body, '${literal}');
    assert.deepEqual(problems(yaml, {}), ['upstreams.api.targets[0]: environment variable API_URL is not set (line 1)']);
  });

  it('never lets an environment value change the structure', () => {
    const dir = tempDir();
    const file = path.join(dir, 'p.yaml');
    writeFileSync(file, 'upstreams: { api: { targets: [http://10.0.0.1:1] } }\nroutes: [{ name: r, upstream: api }]\nresponses: { deny: { body: "${B}" } }\n');
    const injected = 'x"\nacl: { defaultAction: deny }';
    const loaded = loadConfig({ file, env: { B: injected }, cwd: dir });
    assert.equal(loaded.settings.acl.defaultAction, 'allow');
    assert.equal(loaded.settings.denyResponse.body, injected, 'the value stays a value');
  });

  it('applies defaults', () => {
    const dir = tempDir();
    const file = path.join(dir, 'p.yaml');
    writeFileSync(file, 'upstreams: { api: { targets: [http://10.0.0.1:1] } }\nroutes: [{ name: r, upstream: api }]\n');
    const s = loadConfig({ file, cwd: dir }).settings;
    assert.deepEqual(s.listeners, [{ name: 'listener-0', host: '127.0.0.1', port: 8080 }]);
    assert.deepEqual(s.admin, { host: '127.0.0.1', port: 9901 });
    assert.equal(s.dataDir, path.join(dir, 'data'));
    assert.equal(s.limits.maxBodyBytes, 10 * 1024 * 1024);
    assert.equal(s.denyResponse.status, 403);
  });
});

describe('units', () => {
  it('reads durations, sizes and rates', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('365d'), 31_536_000_000);
    assert.equal(parseDuration(42), 42);
    assert.equal(parseSize('64kb'), 65536);
    assert.equal(parseSize('10MB'), 10 * 1024 * 1024);
    assert.equal(parseSize('1.5k'), 1536);
    assert.deepEqual(parseRate('600/m'), { count: 600, periodMs: 60_000 });
  });
});

describe('published JSON Schema', () => {
  it('is the one generated from the definitions (run `npm run schema` after changing them)', () => {
    const published = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schema/portcullis.schema.json'), 'utf8')) as unknown;
    assert.deepEqual(published, jsonSchemaDocument());
  });

  it('refuses unknown keys at every level', () => {
    const doc = JSON.stringify(jsonSchemaDocument());
    const objects = doc.match(/"type":"object"/g)?.length ?? 0;
    const closed = doc.match(/"additionalProperties":false/g)?.length ?? 0;
    // Records (upstreams, lists) are open maps with typed values; every other object is closed.
    assert.ok(closed >= objects - 2, `${closed} closed of ${objects} objects`);
  });
});
