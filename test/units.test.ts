// Small parts with many cases: path normalisation, the X-Forwarded-For walk, atomic log writes,
// linear-time regexes.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { clientFromForwardedFor } from '../src/gateway/request-head.js';
import { parseRequestTarget, TargetError } from '../src/gateway/request-target.js';
import { isoTime, msText, verdictRecord } from '../src/observe/access-log.js';
import { LineWriter } from '../src/observe/line-writer.js';
import { IpSet, parseCidr } from '../src/util/ip.js';
import { compileGlob, compileLinearRegex } from '../src/util/linear-regex.js';

describe('request target normalisation', () => {
  const path = (t: string) => parseRequestTarget(t, 8192).path;
  it('leaves ordinary paths alone and keeps the query as sent', () => {
    assert.deepEqual(parseRequestTarget('/a/b?x=%2F&y=1', 8192), { path: '/a/b', query: '?x=%2F&y=1' });
    assert.equal(path('/.well-known/x'), '/.well-known/x');
  });
  it('removes dot segments, merges slashes, decodes unreserved escapes', () => {
    assert.equal(path('/a/../b'), '/b');
    assert.equal(path('/a/./b/.'), '/a/b/');
    assert.equal(path('/../../etc/passwd'), '/etc/passwd');
    assert.equal(path('//admin///x'), '/admin/x');
    assert.equal(path('/%61dmin'), '/admin');
    assert.equal(path('/%2e%2e/admin'), '/admin');
    assert.equal(path('/a%2fb'), '/a%2Fb', 'an encoded slash stays encoded (upper-cased)');
    assert.equal(path('/caf%c3%a9'), '/caf%C3%A9');
  });
  it('accepts absolute form and refuses what a gateway should not take', () => {
    assert.deepEqual(parseRequestTarget('http://Example.com:8080/x?q', 8192), { path: '/x', query: '?q', authority: 'Example.com:8080' });
    for (const bad of ['*', 'example.com:443', '/a%zz', '/a%00', '/a#frag', 'http://u:p@host/', '/a\u0080']) {
      assert.throws(() => parseRequestTarget(bad, 8192), TargetError, bad);
    }
    assert.throws(() => parseRequestTarget(`/${'a'.repeat(100)}`, 50), (e: unknown) => e instanceof TargetError && e.status === 414);
  });
});

describe('X-Forwarded-For walk', () => {
  const trusted = new IpSet();
  for (const c of ['10.0.0.0/8', '2001:db8:ffff::/48']) trusted.add(parseCidr(c));
  it('takes the first untrusted address from the right', () => {
    assert.equal(clientFromForwardedFor('1.2.3.4, 10.0.0.2', '10.0.0.1', trusted), '1.2.3.4');
    assert.equal(clientFromForwardedFor('6.6.6.6, 1.2.3.4, 10.0.0.2', '10.0.0.1', trusted), '1.2.3.4');
    assert.equal(clientFromForwardedFor('10.0.0.3, 10.0.0.2', '10.0.0.1', trusted), '10.0.0.3', 'all trusted: the left-most');
    assert.equal(clientFromForwardedFor('2001:db8::5, 2001:db8:ffff::1', '10.0.0.1', trusted), '2001:db8::5');
    assert.equal(clientFromForwardedFor('[2001:db8::5]:443', '10.0.0.1', trusted), '2001:db8::5');
    assert.equal(clientFromForwardedFor('1.2.3.4:5678', '10.0.0.1', trusted), '1.2.3.4');
    assert.equal(clientFromForwardedFor('::ffff:1.2.3.4', '10.0.0.1', trusted), '1.2.3.4');
  });
  it('stops at garbage instead of skipping past it', () => {
    assert.equal(clientFromForwardedFor('1.2.3.4, garbage', '10.0.0.1', trusted), '10.0.0.1');
    assert.equal(clientFromForwardedFor('1.2.3.4, unknown, 10.0.0.2', '10.0.0.1', trusted), '10.0.0.2');
  });
});

describe('access record durations', () => {
  it('prints milliseconds to three decimals exactly as rounding and String would', () => {
    const cases = [0, 0.0004, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.105, 0.12, 0.3, 1, 1.0005, 12.34, 999.999, 1000, 123456.789, 2_147_483.647, 2_147_484, 1e12, Number.NaN, -1];
    for (let i = 0; i < 20_000; i++) cases.push(Math.random() * 10 ** (i % 7));
    for (const ms of cases) assert.equal(msText(ms), String(Math.round(ms * 1000) / 1000), `for ${ms}`);
  });

  it('writes verdicts as ASCII JSON that reads back the same, whatever their reason holds', () => {
    const verdicts = [
      Object.freeze({ guard: 'waf', action: 'allow' as const }),
      { guard: 'waf', action: 'allow' as const, reason: 'detected: rules 920350' },
      { guard: 'spec', action: 'block' as const, rule: 'paths./café', reason: 'quote " backslash \\ newline \n tab \t NUL \u0000 é 😀 \u2028' },
    ];
    for (const v of verdicts) {
      const line = verdictRecord(v);
      assert.match(line, /^[\x20-\x7e]*$/, 'printable ASCII only');
      assert.deepEqual(JSON.parse(line), { ...v });
      assert.equal(verdictRecord(v), line, 'the same text the second time');
    }
  });

  it('prints times as Date.prototype.toISOString does, across seconds, days and years', () => {
    const now = Date.now();
    const cases = [0, 999, 1000, 1001, now, now + 1, now + 999, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), 253402300799999, 253402300800000, -1];
    for (let i = 0; i < 5000; i++) cases.push(now + Math.floor(Math.random() * 10_000_000_000) - 5_000_000_000);
    for (let i = 0; i < 3000; i++) cases.push(now + i * 7); // runs of the same second, as under load
    for (const ms of cases) assert.equal(isoTime(ms), new Date(ms).toISOString(), `for ${ms}`);
  });
});

describe('line writer', () => {
  it('writes whole lines, at most 4096 bytes per write, and every line once', async () => {
    const out = new PassThrough();
    const writes: Buffer[] = [];
    out.on('data', (d: Buffer) => writes.push(d));
    const w = new LineWriter(out);
    const lines = Array.from({ length: 2000 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i % 300)}"}`);
    for (const l of lines) w.write(l);
    await w.flushNow();
    await new Promise((r) => setImmediate(r));
    for (const chunk of writes) {
      assert.ok(chunk.length <= 4096, `a write of ${chunk.length} bytes`);
      assert.equal(chunk.at(-1), 0x0a, 'every write ends at a line end');
    }
    assert.deepEqual(Buffer.concat(writes).toString().trimEnd().split('\n'), lines);
  });
  it('drops (and counts) lines instead of growing without bound when the reader stalls', () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const w = new LineWriter(out, { maxQueuedBytes: 10_000 });
    for (let i = 0; i < 1000; i++) w.write('y'.repeat(100));
    assert.ok(w.dropped > 0);
  });
});

describe('linear-time regexes', () => {
  it('refuse patterns that need backtracking', () => {
    assert.throws(() => compileLinearRegex('(a)\\1'), /backtracking/);
    assert.throws(() => compileLinearRegex('(?=a)b'), /backtracking/);
    assert.throws(() => compileLinearRegex('(unclosed'), /invalid regex/);
  });
  it('run in linear time on inputs that make backtracking engines explode', () => {
    const re = compileLinearRegex('^(a+)+$');
    const t = performance.now();
    assert.equal(re.test(`${'a'.repeat(50_000)}!`), false);
    assert.ok(performance.now() - t < 1000);
  });
  it('compile globs by segment', () => {
    const g = compileGlob('/api/*/items/**');
    assert.ok(g.test('/api/v1/items/1/2'));
    assert.ok(!g.test('/api/v1/x/items/1'));
    assert.ok(compileGlob('/file?.txt').test('/file1.txt'));
    assert.ok(compileGlob('/a.b').test('/a.b') && !compileGlob('/a.b').test('/aXb'), 'dots are literal');
  });
});

describe('ring line writer (access log thread)', () => {
  it('writes every line, whole and in order, through its thread', async () => {
    const { RingLineWriter } = await import('../src/observe/line-ring.js');
    const { openSync, readFileSync, closeSync } = await import('node:fs');
    const { tempDir } = await import('./helpers/gateway.js');
    const file = `${tempDir()}/ring.log`;
    const fd = openSync(file, 'w');
    const w = new RingLineWriter(fd, { capacity: 64 * 1024 });
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"n":${i},"pad":"${'z'.repeat(i % 500)}"}`);
    for (let i = 0; i < lines.length; i++) {
      w.write(lines[i]!);
      // Let the thread catch up every 50 lines, all the way through: the ring is small on
      // purpose, so that it wraps around its end about 80 times (lines split across the end).
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await w.close();
    closeSync(fd);
    const written = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(written.length + w.dropped, lines.length);
    // What was written is a prefix-preserving subsequence: in order, each line whole.
    let j = 0;
    for (const line of written) {
      while (j < lines.length && lines[j] !== line) j++;
      assert.ok(j < lines.length, `a line that was never written or was cut: ${line.slice(0, 60)}`);
    }
  });
});
