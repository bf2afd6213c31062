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
