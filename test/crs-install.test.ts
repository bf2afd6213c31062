// `portcullis crs install` and the `waf.crs: auto` search, against a local HTTP server that
// serves archives built here (a tar made in memory, gzipped with node:zlib): verification before
// unpacking, refusal of unsafe archives, atomic install and the current pointer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { runCrsInstall, runCrsStatus } from '../src/cli/crs-install.js';
import { CrsInstallError, extractTarGz, installCrs, parseChecksumFile, readTar } from '../src/waf/crs/install.js';
import { INSTALL_MARKER, crsCandidates, crsVersion, findCrs } from '../src/waf/crs/locate.js';

// ---------------------------------------------------------------------------------------------
// Building archives

interface Entry {
  name: string;
  /** '0' file (default), '5' dir, '2' symlink, '1' hard link, '3' char device, '6' FIFO, … */
  type?: string;
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, type: string, size: number, linkname: string, mode: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(1_700_000_000, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(type, 156, 'latin1');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** A tar in memory: ustar headers, pax headers for long names, a pax global header like git's. */
function makeTar(entries: readonly Entry[], opts: { globalHeader?: boolean; endMarker?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  if (opts.globalHeader !== false) {
    const g = Buffer.from(paxRecord('comment', '0123456789abcdef0123456789abcdef01234567'));
    parts.push(header('pax_global_header', 'g', g.length, '', 0o666), pad(g));
  }
  for (const e of entries) {
    const type = e.type ?? '0';
    const data = type === '0' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    let name = e.name;
    let linkname = e.linkname ?? '';
    const records: string[] = [];
    if (Buffer.byteLength(name) > 99) {
      records.push(paxRecord('path', name));
      name = name.slice(0, 99);
    }
    if (Buffer.byteLength(linkname) > 99) {
      records.push(paxRecord('linkpath', linkname));
      linkname = linkname.slice(0, 99);
    }
    if (records.length > 0) {
      const x = Buffer.from(records.join(''));
      parts.push(header('PaxHeader', 'x', x.length, '', 0o644), pad(x));
    }
    parts.push(header(name, type, data.length, linkname, e.mode ?? (type === '5' ? 0o755 : 0o644)), pad(data));
  }
  if (opts.endMarker !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const gz = (tar: Buffer) => zlib.gzipSync(tar);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A tiny CRS tree the way GitHub's tag archive lays it out (coreruleset-<v>/…). */
function crsEntries(version: string, extra: readonly Entry[] = []): Entry[] {
  const top = `coreruleset-${version}`;
  const ver = `ver:'OWASP_CRS/${version}'`;
  return [
    { name: `${top}/`, type: '5' },
    { name: `${top}/VERSION`, data: `${version}\n` },
    { name: `${top}/crs-setup.conf.example`, data: `SecAction "id:900990,phase:1,pass,nolog,${ver},setvar:tx.crs_setup_version=499"\n` },
    { name: `${top}/rules/`, type: '5' },
    { name: `${top}/rules/REQUEST-901-INITIALIZATION.conf`, data: `SecAction "id:901001,phase:1,pass,nolog,${ver}"\n` },
    { name: `${top}/rules/REQUEST-949-BLOCKING-EVALUATION.conf`, data: `SecAction "id:949000,phase:2,pass,nolog,${ver}"\n` },
    { name: `${top}/rules/restricted-files.data`, data: '.git/\n' },
    { name: `${top}/util/`, type: '5' },
    { name: `${top}/util/run.sh`, data: '#!/bin/sh\n', mode: 0o755 },
    { name: `${top}/plugins/`, type: '5' },
    { name: `${top}/plugins/rules-link`, type: '2', linkname: '../rules' },
    { name: `${top}/docs/${'a-rather-long-directory-name/'.repeat(4)}README.md`, data: 'long names go in pax headers\n' },
    { name: `${top}/docs/INITIALIZATION.copy`, type: '1', linkname: `${top}/rules/REQUEST-901-INITIALIZATION.conf` },
    ...extra,
  ];
}

const crsArchive = (version: string, extra: readonly Entry[] = []) => gz(makeTar(crsEntries(version, extra)));

// ---------------------------------------------------------------------------------------------
// The local server

interface Route {
  status?: number;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Send without content-length, in pieces. */
  chunked?: boolean;
  /** Never answer. */
  hang?: boolean;
}

let server: http.Server;
let base: string;
const routes = new Map<string, Route>();
const hits = new Map<string, number>();

before(async () => {
  server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const route = routes.get(p);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (route.hang) return;
    const body = Buffer.from(route.body ?? '');
    if (route.chunked) {
      res.writeHead(route.status ?? 200, { 'content-type': 'application/octet-stream', ...route.headers });
      for (let i = 0; i < body.length; i += 4096) res.write(body.subarray(i, i + 4096));
      res.end();
      return;
    }
    res.writeHead(route.status ?? 200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length), ...route.headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let counter = 0;
/** Serves `archive` at a fresh path; returns its URL. */
function serve(archive: Buffer, opts: { sha256File?: string; route?: Route } = {}): string {
  const p = `/r${++counter}/v${counter}.tar.gz`;
  routes.set(p, { body: archive, ...opts.route });
  if (opts.sha256File !== undefined) routes.set(`${p}.sha256`, { body: opts.sha256File });
  return `${base}${p}`;
}
const hitsOf = (url: string) => hits.get(new URL(url).pathname) ?? 0;

const tmpDirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-crs-'));
  tmpDirs.push(d);
  return d;
}
after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

const noSystem = { systemDirs: [] as { dir: string; source: string }[] };
const currentTarget = (dataDir: string) => fs.realpathSync(path.join(dataDir, 'crs', 'current'));
/** Entries of <dataDir>/crs other than version directories and current (temporaries). */
const leftovers = (dataDir: string) => fs.readdirSync(path.join(dataDir, 'crs')).filter((n) => n.startsWith('.'));

async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<CrsInstallError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CrsInstallError, `expected a CrsInstallError, got ${String(err)}`);
    assert.match(err.message, re);
    return err;
  }
  assert.fail(`expected a rejection matching ${re}`);
}

// ---------------------------------------------------------------------------------------------

describe('installCrs', () => {
  it('installs from the archive with --sha256, unpacked without its top directory, and makes it current', async () => {
    const dataDir = tmp();
    const archive = crsArchive('4.9.9');
    const url = serve(archive);
    const lines: string[] = [];
    const done = await installCrs({ version: '4.9.9', dataDir, url, sha256: sha(archive).toUpperCase(), log: (l) => lines.push(l) });
    const dir = path.join(dataDir, 'crs', '4.9.9');
    assert.deepEqual(done, { dir, version: '4.9.9', sha256: sha(archive) });
    assert.equal(fs.readFileSync(path.join(dir, 'rules', 'REQUEST-901-INITIALIZATION.conf'), 'utf8').includes('901001'), true);
    assert.equal(fs.existsSync(path.join(dir, 'crs-setup.conf.example')), true);
    assert.equal(fs.existsSync(path.join(dir, 'coreruleset-4.9.9')), false, 'the top-level directory is stripped');
    assert.equal(fs.existsSync(path.join(dir, 'pax_global_header')), false);
    assert.equal(fs.readFileSync(path.join(dir, 'docs', ...Array<string>(4).fill('a-rather-long-directory-name'), 'README.md'), 'utf8'), 'long names go in pax headers\n');
    assert.equal(fs.readlinkSync(path.join(dir, 'plugins', 'rules-link')), '../rules');
    assert.equal(fs.readFileSync(path.join(dir, 'docs', 'INITIALIZATION.copy'), 'utf8').includes('901001'), true, 'hard link unpacked as a copy');
    assert.equal(fs.statSync(path.join(dir, 'util', 'run.sh')).mode & 0o111 ? 'x' : '-', 'x');
    const marker = JSON.parse(fs.readFileSync(path.join(dir, INSTALL_MARKER), 'utf8')) as Record<string, string>;
    assert.equal(marker.sha256, sha(archive));
    assert.equal(marker.url, url);
    // current is a relative symlink to the version directory beside it
    assert.equal(fs.readlinkSync(path.join(dataDir, 'crs', 'current')), '4.9.9');
    assert.equal(currentTarget(dataDir), fs.realpathSync(dir));
    assert.deepEqual(leftovers(dataDir), []);
    assert.ok(lines.some((l) => l.startsWith('downloading ')));
    assert.ok(lines.some((l) => l.includes('matches')));
  });

  it('takes the hash from a published <url>.sha256 (sha256sum format)', async () => {
    const dataDir = tmp();
    const archive = crsArchive('4.9.9');
    const url = serve(archive, { sha256File: `${sha(archive)}  ${path.basename(new URL(serve(Buffer.alloc(0))).pathname)}\n` });
    // the sole entry is used whatever file name it gives
    const done = await installCrs({ version: 'v4.9.9', dataDir, url });
    assert.equal(done.sha256, sha(archive));
    assert.equal(done.version, '4.9.9');
    assert.equal(hitsOf(`${url}.sha256`), 1);
  });

  it('reads sha256sum, BSD and bare checksum files, choosing by name among several', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    assert.equal(parseChecksumFile(`${a}\n`, 'x.tar.gz'), a);
    assert.equal(parseChecksumFile(`${a} *x.tar.gz\n`, 'x.tar.gz'), a);
    assert.equal(parseChecksumFile(`SHA256 (x.tar.gz) = ${a.toUpperCase()}\n`, 'x.tar.gz'), a);
    assert.equal(parseChecksumFile(`# sums\n${a}  y.zip\n${b}  dist/x.tar.gz\n`, 'x.tar.gz'), b);
    assert.equal(parseChecksumFile(`${a}  y.zip\n${b}  z.zip\n`, 'x.tar.gz'), undefined);
    assert.equal(parseChecksumFile('<html>not found</html>', 'x.tar.gz'), undefined);
  });

  it('refuses a hash mismatch before unpacking: nothing installed, the previous current kept', async () => {
    const dataDir = tmp();
    const good = crsArchive('4.9.8');
    await installCrs({ version: '4.9.8', dataDir, url: serve(good), sha256: sha(good) });
    const bad = crsArchive('4.9.9');
    const err = await rejectsWith(
      installCrs({ version: '4.9.9', dataDir, url: serve(bad), sha256: 'f'.repeat(64) }),
      /sha256 mismatch .*expected f{64}, got [0-9a-f]{64}; nothing was installed/,
    );
    assert.ok(err.message.includes(sha(bad)));
    assert.equal(fs.existsSync(path.join(dataDir, 'crs', '4.9.9')), false);
    assert.equal(currentTarget(dataDir), fs.realpathSync(path.join(dataDir, 'crs', '4.9.8')));
    assert.deepEqual(leftovers(dataDir), []);
    assert.equal(findCrs({ dataDir, env: {}, ...noSystem })?.version, '4.9.8');
  });

  it("refuses an archive with a '../evil' path: nothing written, nothing installed, current kept", async () => {
    const root = tmp();
    const dataDir = path.join(root, 'data');
    const good = crsArchive('4.9.8');
    await installCrs({ version: '4.9.8', dataDir, url: serve(good), sha256: sha(good) });
    const evil = crsArchive('4.9.9', [{ name: 'coreruleset-4.9.9/../../../evil', data: 'pwned' }]);
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: serve(evil), sha256: sha(evil) }), /bad archive: .*'\.\.' segment/);
    for (const p of [path.join(root, 'evil'), path.join(dataDir, 'evil'), path.join(dataDir, 'crs', 'evil'), path.join(os.tmpdir(), 'evil')]) {
      assert.equal(fs.existsSync(p), false, `${p} must not exist`);
    }
    assert.equal(fs.existsSync(path.join(dataDir, 'crs', '4.9.9')), false);
    assert.equal(currentTarget(dataDir), fs.realpathSync(path.join(dataDir, 'crs', '4.9.8')));
    assert.deepEqual(leftovers(dataDir), []);
  });

  it('refuses unsafe entries of every kind, before writing anything', async () => {
    const top = 'coreruleset-4.9.9';
    const cases: [string, Entry[], RegExp][] = [
      ['absolute path', [{ name: '/etc/evil', data: 'x' }], /absolute path/],
      ['.. inside', [{ name: `${top}/rules/../../evil`, data: 'x' }], /'\.\.' segment/],
      ['symlink out', [{ name: `${top}/rules/out`, type: '2', linkname: '../../../etc' }], /symlink .* outside the archive/],
      ['absolute symlink', [{ name: `${top}/rules/out`, type: '2', linkname: '/etc/passwd' }], /symlink .* outside the archive/],
      [
        'write through a symlink',
        [
          { name: `${top}/rules/dir`, type: '2', linkname: '.' },
          { name: `${top}/rules/dir/x.conf`, data: 'x' },
        ],
        /lies under .*symlink/,
      ],
      [
        'symlink under a symlink',
        [
          { name: `${top}/a`, type: '2', linkname: 'rules' },
          { name: `${top}/a/b`, type: '2', linkname: '../../x' },
        ],
        /lies under .*symlink/,
      ],
      ['hard link out', [{ name: `${top}/rules/h`, type: '1', linkname: '/etc/shadow' }], /hard link .* not to a file earlier/],
      ['hard link to a later file', [{ name: `${top}/rules/h`, type: '1', linkname: `${top}/rules/later.conf` }], /hard link/],
      ['char device', [{ name: `${top}/rules/null`, type: '3' }], /device file/],
      ['block device', [{ name: `${top}/rules/sda`, type: '4' }], /device file/],
      ['fifo', [{ name: `${top}/rules/pipe`, type: '6' }], /FIFO/],
      ['unknown type', [{ name: `${top}/rules/sparse`, type: 'S' }], /unsupported entry type/],
      ['second top-level dir', [{ name: 'other/x', data: 'x' }], /more than one top-level entry/],
      ['backslash', [{ name: `${top}\\..\\evil`, data: 'x' }], /backslash|more than one top-level/],
    ];
    for (const [label, extra, re] of cases) {
      // Inside a parent of its own: the system temp directory changes under other test files.
      const dest = path.join(tmp(), 'dest');
      fs.mkdirSync(dest);
      const before = fs.readdirSync(path.dirname(dest)).length;
      await assert.rejects(extractTarGz(crsArchive('4.9.9', extra), dest), (err: unknown) => {
        assert.ok(err instanceof CrsInstallError, label);
        assert.match(err.message, re, label);
        return true;
      });
      assert.deepEqual(fs.readdirSync(dest), [], `${label}: nothing written`);
      assert.equal(fs.readdirSync(path.dirname(dest)).length, before, `${label}: nothing beside it`);
    }
  });

  it('refuses what is not a gzipped tar, a truncated tar, and an archive without rules/*.conf', async () => {
    const dest = tmp();
    await assert.rejects(extractTarGz(Buffer.from('<html>rate limited</html>'), dest), /not a gzip file/);
    await assert.rejects(extractTarGz(gz(Buffer.from('x'.repeat(2000))), dest), /checksum mismatch|truncated/);
    await assert.rejects(extractTarGz(gz(makeTar(crsEntries('4.9.9'), { endMarker: false })), dest), /truncated/);
    const full = makeTar(crsEntries('4.9.9'));
    await assert.rejects(extractTarGz(gz(full.subarray(0, 512 * 5 + 100)), dest), /truncated/);
    assert.deepEqual(fs.readdirSync(dest), []);
    assert.ok(readTar(full).some((e) => e.name === 'coreruleset-4.9.9/rules/REQUEST-901-INITIALIZATION.conf'));

    const dataDir = tmp();
    const noRules = gz(makeTar([{ name: 'x-1/', type: '5' }, { name: 'x-1/README', data: 'hi' }]));
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: serve(noRules), sha256: sha(noRules) }), /no rules\/\*\.conf/);
    assert.equal(fs.existsSync(path.join(dataDir, 'crs', '4.9.9')), false);
    const retop = (n: string) => n.replace(/^coreruleset-3\.3\.4/, 'coreruleset-4.9.9');
    const v3 = gz(makeTar(crsEntries('3.3.4').map((e) => ({ ...e, name: retop(e.name), ...(e.linkname ? { linkname: retop(e.linkname) } : {}) }))));
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: serve(v3), sha256: sha(v3) }), /holds OWASP CRS 3\.3\.4, not a CRS v4 release/);
    assert.equal(fs.existsSync(path.join(dataDir, 'crs', '4.9.9')), false);
    assert.deepEqual(leftovers(dataDir), []);
  });

  it('bounds what the archive unpacks to', async () => {
    const bomb = gz(makeTar([{ name: 'c/', type: '5' }, { name: 'c/big', data: Buffer.alloc(4 * 1024 * 1024) }]));
    assert.ok(bomb.length < 64 * 1024);
    await assert.rejects(extractTarGz(bomb, tmp(), { maxUnpackedBytes: 1024 * 1024 }), /unpacks to more than 1 MB/);
  });

  it('gives a clear error for HTTP 404, and for a server that does not answer', async () => {
    const dataDir = tmp();
    const url = `${base}/missing/v4.9.9.tar.gz`;
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url, sha256: 'a'.repeat(64) }), /downloading the archive .*missing\/v4\.9\.9\.tar\.gz failed: HTTP 404/);
    const hang = serve(Buffer.alloc(0), { route: { hang: true } });
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: hang, sha256: 'a'.repeat(64), timeoutMs: 300 }), /timed out after 0\.3s/);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await rejectsWith(
      installCrs({ version: '4.9.9', dataDir, url: `http://127.0.0.1:${closedPort}/v4.9.9.tar.gz`, sha256: 'a'.repeat(64) }),
      /cannot download the archive .*ECONNREFUSED/,
    );
    assert.equal(fs.existsSync(path.join(dataDir, 'crs', 'current')), false);
  });

  it('refuses to install when no checksum is available, without downloading the archive', async () => {
    const dataDir = tmp();
    const archive = crsArchive('4.9.9');
    const url = serve(archive);
    const err = await rejectsWith(installCrs({ version: '4.9.9', dataDir, url }), /refusing to install unverified: no SHA-256 checksum is published at .*\.sha256 \(HTTP 404\)/);
    assert.match(err.message, /--sha256/);
    assert.equal(hitsOf(url), 0, 'the archive itself was never fetched');
    assert.equal(fs.existsSync(path.join(dataDir, 'crs', '4.9.9')), false);
    // A checksum file that does not name the archive is no checksum either.
    const url2 = serve(archive, { sha256File: `${'a'.repeat(64)}  one.tar.gz\n${'b'.repeat(64)}  two.tar.gz\n` });
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: url2 }), /has no SHA-256 for v\d+\.tar\.gz/);
    // Over plain http from elsewhere than loopback a checksum proves nothing; it is not even asked for.
    let asked = false;
    const spy: typeof fetch = () => {
      asked = true;
      return Promise.reject(new Error('no network in tests'));
    };
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: 'http://downloads.invalid/v4.9.9.tar.gz', fetch: spy }), /over http proves nothing/);
    assert.equal(asked, false);
  });

  it('refuses an oversize download, whether announced by content-length or not', async () => {
    const dataDir = tmp();
    const archive = crsArchive('4.9.9', [{ name: 'coreruleset-4.9.9/rules/noise.data', data: randomBytes(40000) }]);
    assert.ok(archive.length > 8192);
    const announced = serve(archive);
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: announced, sha256: sha(archive), maxBytes: 8192 }), /larger than 8192 bytes; refusing it/);
    const streamed = serve(archive, { route: { chunked: true } });
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: streamed, sha256: sha(archive), maxBytes: 8192 }), /larger than 8192 bytes/);
    assert.equal(fs.existsSync(path.join(dataDir, 'crs', '4.9.9')), false);
    // The default bound is 50 MB (a response that announces more is refused before its body).
    const huge = `${base}/huge/v4.9.9.tar.gz`;
    const fakeFetch: typeof fetch = () => Promise.resolve(new Response(new Uint8Array(8), { headers: { 'content-length': String(51 * 1024 * 1024) } }));
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: huge, sha256: sha(archive), fetch: fakeFetch }), /larger than 50 MB/);
  });

  it('follows redirects', async () => {
    const dataDir = tmp();
    const archive = crsArchive('4.9.9');
    const real = serve(archive);
    const p = `/redirect${++counter}/v4.9.9.tar.gz`;
    routes.set(p, { status: 302, headers: { location: real } });
    const done = await installCrs({ version: '4.9.9', dataDir, url: `${base}${p}`, sha256: sha(archive) });
    assert.equal(done.sha256, sha(archive));
  });

  it('reinstalls idempotently (nothing downloaded), switches back to an installed version, refuses different bytes', async () => {
    const dataDir = tmp();
    const a = crsArchive('4.9.9');
    const urlA = serve(a);
    const first = await installCrs({ version: '4.9.9', dataDir, url: urlA, sha256: sha(a) });
    const mtime = fs.statSync(path.join(first.dir, INSTALL_MARKER)).mtimeMs;
    const lines: string[] = [];
    const again = await installCrs({ version: '4.9.9', dataDir, url: urlA, sha256: sha(a), log: (l) => lines.push(l) });
    assert.deepEqual(again, first);
    assert.equal(hitsOf(urlA), 1, 'the second install downloaded nothing');
    assert.equal(fs.statSync(path.join(first.dir, INSTALL_MARKER)).mtimeMs, mtime);
    assert.ok(lines.some((l) => l.includes('already installed')));

    const b = crsArchive('4.10.0');
    await installCrs({ version: '4.10.0', dataDir, url: serve(b), sha256: sha(b) });
    assert.equal(path.basename(currentTarget(dataDir)), '4.10.0');
    await installCrs({ version: '4.9.9', dataDir, url: urlA, sha256: sha(a) });
    assert.equal(path.basename(currentTarget(dataDir)), '4.9.9', 'installing an installed version makes it current again');
    assert.equal(hitsOf(urlA), 1);

    const other = crsArchive('4.9.9', [{ name: 'coreruleset-4.9.9/rules/extra.conf', data: '# more\n' }]);
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: serve(other), sha256: sha(other) }), /already installed in .* from a different archive/);
    assert.equal(fs.existsSync(path.join(first.dir, 'rules', 'extra.conf')), false);
    assert.deepEqual(leftovers(dataDir), []);
  });

  it('refuses a version directory it did not make, and repairs a damaged one of its own', async () => {
    const dataDir = tmp();
    fs.mkdirSync(path.join(dataDir, 'crs', '4.9.9', 'rules'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'crs', '4.9.9', 'rules', 'mine.conf'), '# hand-made\n');
    const a = crsArchive('4.9.9');
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, url: serve(a), sha256: sha(a) }), /not installed by portcullis/);
    assert.equal(fs.existsSync(path.join(dataDir, 'crs', '4.9.9', 'rules', 'mine.conf')), true);

    const dataDir2 = tmp();
    const first = await installCrs({ version: '4.9.9', dataDir: dataDir2, url: serve(a), sha256: sha(a) });
    fs.rmSync(path.join(first.dir, 'rules'), { recursive: true });
    await installCrs({ version: '4.9.9', dataDir: dataDir2, url: serve(a), sha256: sha(a) });
    assert.equal(fs.existsSync(path.join(first.dir, 'rules', 'REQUEST-901-INITIALIZATION.conf')), true);
    assert.deepEqual(leftovers(dataDir2), []);
  });

  it('removes what an interrupted install left, and refuses versions that are not versions', async () => {
    const dataDir = tmp();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    assert.ok(dead !== undefined && dead > 0);
    const staging = path.join(dataDir, 'crs', `.staging-4.9.9-${dead}-0a1b2c3d`);
    fs.mkdirSync(path.join(staging, 'rules'), { recursive: true });
    fs.writeFileSync(path.join(staging, 'rules', 'half.conf'), '');
    const a = crsArchive('4.9.9');
    await installCrs({ version: '4.9.9', dataDir, url: serve(a), sha256: sha(a) });
    assert.equal(fs.existsSync(staging), false);
    for (const v of ['../4.9.9', '4.9', 'latest', '4.9.9/..', '']) {
      await rejectsWith(installCrs({ version: v, dataDir, sha256: sha(a) }), /is not a CRS version/);
    }
    await rejectsWith(installCrs({ version: '3.3.4', dataDir, sha256: sha(a) }), /runs OWASP CRS v4; 3\.3\.4 is not one/);
    await rejectsWith(installCrs({ version: '4.9.9', dataDir, sha256: 'abc' }), /--sha256 must be 64 hex digits/);
  });
});

describe('findCrs', () => {
  it('finds the installed CRS, and honours PORTCULLIS_CRS_DIR first', async () => {
    const dataDir = tmp();
    assert.equal(findCrs({ dataDir, env: {}, ...noSystem }), undefined);
    const a = crsArchive('4.9.9');
    const done = await installCrs({ version: '4.9.9', dataDir, url: serve(a), sha256: sha(a) });
    const found = findCrs({ dataDir, env: {}, ...noSystem });
    assert.equal(found?.dir, fs.realpathSync(done.dir));
    assert.equal(found.version, '4.9.9');
    assert.match(found.source, /installed/);
    assert.equal(found.setupFile, path.join(fs.realpathSync(done.dir), 'crs-setup.conf.example'));

    const own = tmp();
    fs.mkdirSync(path.join(own, 'rules'));
    fs.writeFileSync(path.join(own, 'rules', 'REQUEST-901-INITIALIZATION.conf'), "SecAction \"id:1,ver:'OWASP_CRS/4.1.0'\"\n");
    fs.writeFileSync(path.join(own, 'crs-setup.conf'), '# tuned\n');
    const viaEnv = findCrs({ dataDir, env: { PORTCULLIS_CRS_DIR: own }, ...noSystem });
    assert.equal(viaEnv?.dir, fs.realpathSync(own));
    assert.equal(viaEnv.source, 'PORTCULLIS_CRS_DIR');
    assert.equal(viaEnv.version, '4.1.0');
    assert.equal(viaEnv.setupFile, path.join(fs.realpathSync(own), 'crs-setup.conf'));

    // A PORTCULLIS_CRS_DIR without rules/*.conf does not count; the search goes on.
    const empty = tmp();
    const next = findCrs({ dataDir, env: { PORTCULLIS_CRS_DIR: empty }, ...noSystem });
    assert.match(next?.source ?? '', /installed/);
    const why = crsCandidates({ dataDir, env: { PORTCULLIS_CRS_DIR: empty }, ...noSystem })[0];
    assert.equal(why?.problem, 'has no rules/*.conf');
  });

  it('reads a pointer file as current, and falls through to the system directories in order', () => {
    const dataDir = tmp();
    const v = path.join(dataDir, 'crs', '4.2.0');
    fs.mkdirSync(path.join(v, 'rules'), { recursive: true });
    fs.writeFileSync(path.join(v, 'rules', 'x.conf'), '');
    fs.writeFileSync(path.join(v, 'VERSION'), 'v4.2.0\n');
    fs.writeFileSync(path.join(dataDir, 'crs', 'current'), '4.2.0\n');
    assert.equal(findCrs({ dataDir, env: {}, ...noSystem })?.version, '4.2.0');
    fs.writeFileSync(path.join(dataDir, 'crs', 'current'), '../../etc\n');
    assert.equal(findCrs({ dataDir, env: {}, ...noSystem }), undefined, 'a pointer names a directory beside it, nothing else');

    // Debian's package: rules in /usr/share, crs-setup.conf in /etc; CRS 3 is passed over.
    const v3 = tmp();
    fs.mkdirSync(path.join(v3, 'rules'));
    fs.writeFileSync(path.join(v3, 'rules', 'REQUEST-901-INITIALIZATION.conf'), "ver:'OWASP_CRS/3.3.4'\n");
    const deb = tmp();
    fs.mkdirSync(path.join(deb, 'rules'));
    fs.writeFileSync(path.join(deb, 'rules', 'REQUEST-901-INITIALIZATION.conf'), "ver:'OWASP_CRS/4.0.0'\n");
    const etc = path.join(tmp(), 'crs-setup.conf');
    fs.writeFileSync(etc, '# debian\n');
    const systemDirs = [
      { dir: v3, source: 'old' },
      { dir: path.join(deb, 'nope'), source: 'missing' },
      { dir: deb, source: 'Debian package modsecurity-crs', setupFile: etc },
    ];
    const found = findCrs({ dataDir, env: {}, systemDirs });
    assert.equal(found?.source, 'Debian package modsecurity-crs');
    assert.equal(found.setupFile, etc);
    const all = crsCandidates({ dataDir, env: {}, systemDirs });
    assert.match(all.find((c) => c.source === 'old')?.problem ?? '', /is OWASP CRS 3\.3\.4; Portcullis runs CRS v4/);
    assert.equal(all.find((c) => c.source === 'missing')?.problem, 'does not exist');
  });

  it('crsVersion reads VERSION, else crs-setup, else the rules', () => {
    const d = tmp();
    assert.equal(crsVersion(d), undefined);
    fs.mkdirSync(path.join(d, 'rules'));
    fs.writeFileSync(path.join(d, 'rules', 'REQUEST-911.conf'), "SecRule X \"@rx y\" \"id:1,ver:'OWASP_CRS/4.3.0'\"\n");
    assert.equal(crsVersion(d), '4.3.0');
    fs.writeFileSync(path.join(d, 'crs-setup.conf.example'), 'SecAction "id:900990,ver:OWASP_CRS/4.4.0-dev"\n');
    assert.equal(crsVersion(d), '4.4.0-dev');
    fs.writeFileSync(path.join(d, 'VERSION'), '4.5.0\n');
    assert.equal(crsVersion(d), '4.5.0');
  });
});

describe('the CLI adapters', () => {
  it('runCrsInstall prints progress and the final line; 1 with the reason on stderr', async () => {
    const dataDir = tmp();
    const a = crsArchive('4.9.9');
    const url = serve(a);
    let out = '';
    let err = '';
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
    assert.equal(await runCrsInstall({ version: '4.9.9', dataDir, url, sha256: sha(a) }, io), 0);
    assert.match(out, /^downloading /m);
    assert.ok(out.endsWith(`installed OWASP CRS 4.9.9 in ${path.join(dataDir, 'crs', '4.9.9')} (sha256 ${sha(a)})\n`), out);
    assert.equal(err, '');

    out = '';
    assert.equal(await runCrsInstall({ version: '4.9.10', dataDir, url }, io), 1);
    assert.match(err, /^portcullis crs install: refusing to install unverified: .*--sha256/);

    out = '';
    assert.equal(runCrsStatus({ dataDir }, { ...io, env: {}, systemDirs: [] }), 0);
    assert.match(out, /PORTCULLIS_CRS_DIR: not set/);
    assert.match(out, /OWASP CRS 4\.9\.9 {2}<- used/);
    assert.match(out, /^uses .*4\.9\.9 \(OWASP CRS 4\.9\.9, installed/m);

    out = '';
    assert.equal(runCrsStatus({ dataDir: tmp() }, { ...io, env: {}, systemDirs: [] }), 1);
    assert.match(out, /no OWASP CRS v4 found/);
  });
});
