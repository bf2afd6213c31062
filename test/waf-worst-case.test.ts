// However a request is crafted, its inspection ends within a bound: the inspection budget
// (waf.inspectionBudget, 1 s by default, fail-closed) is checked after every rule once a request
// is large, so the worst case is the budget plus the slowest single rule. The requests here are
// the slowest shapes `npm run bench:waf` finds in its adversarial set (64 KB of one character in
// a query, a JSON or form body, a header), run through the full CRS; the bound asserted is
// generous (this machine is shared and noisy), the point is that it exists.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { crsDirectives } from '../src/waf/crs/setup.js';
import { Transaction } from '../src/waf/engine/transaction.js';
import { loadRuleSet } from '../src/waf/seclang/loader.js';
import { PcreMatcher } from '../src/waf/regex/pcre-matcher.js';
import { SearchTimeout, WATCHED_FROM } from '../src/waf/regex/search-watchdog.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const crsDir = path.join(process.env.PORTCULLIS_SHARED ?? path.resolve(repoRoot, '../shared'), 'crs');
const haveCrs = existsSync(path.join(crsDir, 'rules'));

const BUDGET_MS = 1000;
/** Budget + the slowest single CRS rule on 64 KB (about 0.3 s here) + a wide margin. */
const BOUND_MS = 6000;

describe('worst-case inspection time', () => {
  it('ends every adversarial request within the bound, denied once over the budget', { skip: haveCrs ? false : `no CRS at ${crsDir} (set PORTCULLIS_SHARED)`, timeout: 120_000 }, (t) => {
    const rules = loadRuleSet([{ text: crsDirectives({ crsDir, mode: 'On', paranoia: 1, responseBodyAccess: false }), name: 'worst.conf', baseDir: crsDir }]);
    const size = 65536;
    const fill = (c: string) => c.repeat(Math.ceil(size / c.length)).slice(0, size);
    const shapes: Array<{ name: string; target: string; headers: Array<[string, string]>; body: string }> = [
      { name: 'json ";"', target: '/j', headers: [['Content-Type', 'application/json']], body: JSON.stringify({ q: fill(';') }) },
      { name: 'json "<"', target: '/j', headers: [['Content-Type', 'application/json']], body: JSON.stringify({ q: fill('<') }) },
      { name: 'query "`"', target: `/?q=${encodeURIComponent(fill('`'))}`, headers: [], body: '' },
      { name: 'query "<"', target: `/?q=${encodeURIComponent(fill('<'))}`, headers: [], body: '' },
      { name: "form \"'\"", target: '/f', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: `q=${encodeURIComponent(fill("'"))}` },
      { name: 'header ";"', target: '/', headers: [['X-Data', fill(';')]], body: '' },
    ];
    let slowest = { name: '', ms: 0 };
    for (const s of shapes) {
      const started = performance.now();
      const tx = new Transaction(rules, { budgetMs: BUDGET_MS, onBudgetExceeded: 'deny' });
      tx.processUri(s.target, s.body ? 'POST' : 'GET', '1.1');
      tx.addRequestHeader('Host', 'shop.example.com');
      for (const [k, v] of s.headers) tx.addRequestHeader(k, v);
      if (!tx.processRequestHeaders()) {
        if (s.body) tx.appendRequestBody(s.body);
        tx.processRequestBody();
      }
      const ms = performance.now() - started;
      if (ms > slowest.ms) slowest = { name: s.name, ms };
      assert.ok(ms < BOUND_MS, `${s.name} took ${ms.toFixed(0)} ms`);
      if (tx.budgetExceeded) assert.equal(tx.interruption?.reason, 'inspection time budget exceeded', s.name);
    }
    t.diagnostic(`slowest: ${slowest.name} in ${slowest.ms.toFixed(0)} ms (budget ${BUDGET_MS} ms, bound ${BOUND_MS} ms)`);
  });
});

// A lazy scan after each "select", quadratic on a long run of them (as CRS 942480 at paranoia 4);
// the filler holds every byte the pattern needs, so no required-byte check spares the search.
const QUADRATIC = '(?i)\\bselect\\b.{1,100}?\\b(?:.*?\\bdump\\b.*|from)';
const selects = (n: number) => 'select pud form '.repeat(Math.ceil(n / 16)).slice(0, n);

describe('one regex search over a long value, under a deadline', () => {
  it('answers as a search on this thread does', () => {
    const far = () => performance.now() + 60_000;
    const cases: Array<[string, string]> = [
      ['(?i)union\\s+select\\s+(\\w+)', `${'x'.repeat(WATCHED_FROM)} UNION  SELECT password from users`],
      ['^(a+)(b)?$', 'a'.repeat(WATCHED_FROM + 3)],
      ['<script[^>]*>', 'y'.repeat(WATCHED_FROM)],
      ['(?m)^x$', `${'z'.repeat(WATCHED_FROM)}\nx\r\n`],
    ];
    for (const [pattern, subject] of cases) {
      const m = new PcreMatcher(pattern);
      assert.equal(m.test(subject, far()), m.test(subject), pattern);
      const here = m.exec(subject);
      const there = m.exec(subject, far());
      assert.deepEqual(there === null ? null : { index: there.index, groups: [...there] }, here === null ? null : { index: here.index, groups: [...here] }, pattern);
    }
  });

  it('stops a superlinear search at the deadline, and the next search still works', () => {
    const m = new PcreMatcher(QUADRATIC);
    const subject = selects(256 * 1024);
    // Started once so that the worker's start-up is not what is measured.
    assert.equal(m.test(selects(WATCHED_FROM) + ' from', performance.now() + 60_000), true);
    const started = performance.now();
    assert.throws(() => m.test(subject, performance.now() + 200), SearchTimeout);
    const ms = performance.now() - started;
    assert.ok(ms < 2000, `stopped after ${ms.toFixed(0)} ms`);
    assert.equal(m.test(`${selects(WATCHED_FROM)} from`, performance.now() + 60_000), true);
  });

  it('ends the inspection at the budget and denies, the rule set being any', () => {
    const rules = loadRuleSet([{ text: `SecRuleEngine On\nSecRequestBodyAccess On\nSecRule ARGS "@rx ${QUADRATIC}" "id:1,phase:2,deny"\n`, name: 'q.conf' }]);
    // 120 KB, under the default body limit: unbounded, the search takes several seconds here.
    const body = `q=${selects(120 * 1024)}`;
    const started = performance.now();
    const tx = new Transaction(rules, { budgetMs: 300, onBudgetExceeded: 'deny' });
    tx.processUri('/f', 'POST', '1.1');
    tx.addRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
    tx.addRequestHeader('Content-Length', String(body.length));
    if (!tx.processRequestHeaders()) {
      tx.appendRequestBody(body);
      tx.processRequestBody();
    }
    const ms = performance.now() - started;
    assert.equal(tx.interruption?.reason, 'inspection time budget exceeded');
    // Budget 300 ms, plus a first start of the search worker, plus a margin.
    assert.ok(ms < 2500, `took ${ms.toFixed(0)} ms`);
  });
});
