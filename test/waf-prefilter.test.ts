// The rule prefilter never changes a verdict: the literals it derives from a pattern are
// necessary for a match (checked on every CRS pattern against attack payloads), and the CRS gives
// the same decisions and the same matched rules with it on and off, on a fixed sample of the dev
// corpora (skipped when ../shared is absent).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, it, type TestContext } from 'node:test';
import { crsDirectives } from '../src/waf/crs/setup.js';
import { LiteralScanner } from '../src/waf/engine/prefilter/literal-scanner.js';
import { ChainEffects } from '../src/waf/engine/prefilter/rule-prefilter.js';
import { ChainCache, ChainTree } from '../src/waf/engine/transform-chain.js';
import { getTransformation } from '../src/waf/transformations/registry.js';
import type { RuleSet } from '../src/waf/engine/ruleset.js';
import { Transaction } from '../src/waf/engine/transaction.js';
import type { Rule } from '../src/waf/engine/rule.js';
import { parsePcre } from '../src/waf/regex/pcre-parser.js';
import { requiredLiterals } from '../src/waf/regex/pcre-literals.js';
import { prefilterLiterals } from '../src/waf/regex/pcre-conditional-literals.js';
import { requiredBytes } from '../src/waf/regex/pcre-required.js';
import { PcreMatcher } from '../src/waf/regex/pcre-matcher.js';
import { loadRuleSet } from '../src/waf/seclang/loader.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.PORTCULLIS_SHARED ?? path.resolve(repoRoot, '../shared');
const crsDir = path.join(shared, 'crs');
const corpora = path.join(shared, 'corpora/dev');

function needShared(t: TestContext): boolean {
  if (existsSync(path.join(crsDir, 'rules')) && existsSync(corpora)) return true;
  t.skip(`the CRS and dev corpora were not found under ${shared} (set PORTCULLIS_SHARED)`);
  return false;
}

const lits = (pattern: string, caseless = false) => requiredLiterals(parsePcre(pattern, { caseless }))?.sort();
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

describe('literals a pattern needs', () => {
  it('glues adjacent bytes and case pairs into words, folded', () => {
    assert.deepEqual(lits('(?i)union\\s+select'), ['\tselect', '\nselect', '\x0bselect', '\fselect', '\rselect', ' select']);
    assert.deepEqual(lits('UNION'), ['union']);
    assert.deepEqual(lits('<script[^>]*>'), ['<script']);
  });

  it('keeps words that differ in their first byte apart', () => {
    // Words that differ in their last byte merge: "mount;", "mount|" and "mount&" into "mount".
    // Those that differ in their first byte do not: merged into "ount" they would let every
    // "account" through to the regex.
    assert.deepEqual(lits('(?:mount|fount|count)[;|&]'), ['count', 'fount', 'mount']);
  });

  it('takes one literal from each branch of an alternation', () => {
    assert.deepEqual(lits('(?:eval|exec)\\('), ['eval(', 'exec(']);
    assert.deepEqual(lits('colou?r'), ['color', 'colour']);
    assert.deepEqual(lits('a{3}b'), ['aaab']);
  });

  it('promises nothing for what can match without fixed text', () => {
    assert.equal(lits('^.*$'), undefined);
    assert.equal(lits('(?:abc)?'), undefined);
    assert.equal(lits('abc|[a-z]+'), undefined);
    assert.deepEqual(lits('(a)\\1'), ['a']);
  });

  it('keeps neighbours of zero-width items adjacent', () => {
    assert.deepEqual(lits('ab(?=c)cd'), ['abcd']);
    assert.deepEqual(lits('\\bfoo\\b'), ['foo']);
  });
});

describe('literals of padded patterns (evasion padding between letters)', () => {
  const pre = (pattern: string) => {
    const parsed = parsePcre(pattern, { caseless: false });
    return prefilterLiterals(parsed, requiredBytes(parsed))?.sort();
  };
  // CRS style: quotes and backslashes may sit between the letters of a command name.
  const padded = `(?i)c["'\\x5c]*a["'\\x5c]*t["'\\x5c]*[\\s;|]`;

  it('are the padding bytes plus the words the pattern spells without them', () => {
    // Without the padding's bytes, the word is fixed text ("cat;", "cat|"... merged into "cat").
    assert.deepEqual(lits(padded), ['c'], 'the plain analysis finds only one common byte');
    assert.deepEqual(pre(padded), ['"', "'", '\\', 'cat']);
  });

  it('are held by every subject the pattern matches', () => {
    const m = new PcreMatcher(padded);
    const got = pre(padded)!;
    const holds = (s: string) => got.some((l) => s.toLowerCase().includes(l));
    for (const s of ['cat /etc/passwd', 'c"a\'t;id', 'C\\A\\T|x', "ca''t x", 'x;cat\tfoo']) {
      assert.ok(m.test(s), `pattern matches ${s}`);
      assert.ok(holds(s), `a literal is in ${JSON.stringify(s)}`);
    }
    // Text with neither the word nor a padding byte is not sent to the regex.
    for (const s of ['a dog on a mat', 'c-a-t', 'tac']) assert.equal(holds(s), false, s);
  });

  it('fall back to rare bytes every match needs when they filter more', () => {
    // CRS 932130's shape: the plain literals include the common byte "/", but every match
    // needs one of a few rare bytes.
    const p = '\\$(?:\\([^)]+\\)|\\{[^}]+\\})|[<>]\\([^)]+\\)|/[0-9A-Z_a-z]*\\[[^\\]]+\\]';
    assert.ok(lits(p)!.includes('/'));
    assert.deepEqual(pre(p), ['(', ')', '[', '{']);
  });

  it('leave patterns with good literals of their own alone', () => {
    assert.deepEqual(pre('(?:eval|exec)\\('), ['eval(', 'exec(']);
  });
});

describe('chain steps skipped for values they cannot change', () => {
  it('gives every chain the outputs of running each step', () => {
    // CRS-like chains, with steps that empty values (base64Decode), steps that do not keep ""
    // (length, sha1), case steps, and steps with end triggers (normalizePath).
    const chains = [
      'urlDecodeUni,jsDecode,removeWhitespace,base64Decode,urlDecodeUni,jsDecode,removeWhitespace',
      'utf8toUnicode,urlDecodeUni,removeNulls,cmdLine',
      'urlDecodeUni,replaceComments,removeWhitespace',
      'htmlEntityDecode,lowercase',
      'normalizePath,lowercase,length',
      'base64Decode,sha1,hexEncode',
      'cssDecode,jsDecode,compressWhitespace,trim',
    ].map((c) => c.split(',').map((n) => getTransformation(n)!));
    const tree = new ChainTree();
    const nodes = chains.map((c) => tree.nodeFor(c));
    const effects = new ChainEffects(tree);
    const bytes = ['a', 'Z', '0', ' ', '%', '2', '5', '+', '\\', 'u', 'x', '/', '.', '*', '&', ';', '#', '=', '\n', '\0', '"', "'", 'Q', 'U', 'J', 'D'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const values = ['', 'deltadeltablue', 'delta delta blue', 'QUJD', 'a%2f..%2F', '\\u0041&amp;', '/a/./b/', 'x\0y'];
    for (let i = 0; i < 3000; i++) {
      let v = '';
      const n = next() % 12;
      for (let k = 0; k < n; k++) v += bytes[next() % bytes.length];
      values.push(v);
    }
    const skipping = new ChainCache(tree.nodes.length, 100_000, effects);
    const plain = new ChainCache(tree.nodes.length, 100_000);
    for (const v of values) {
      for (const node of nodes) assert.equal(skipping.apply(node, v), plain.compute(node, v), JSON.stringify(v));
    }
  });
});

describe('literal scanner', () => {
  it('reports every group with a literal in the text, folded, overlaps included', () => {
    const s = new LiteralScanner([['abc'], ['bcd', 'zz'], ['x'], ['cdE']]);
    const bits = (m: Int32Array) => [0, 1, 2, 3].filter((g) => (m[0]! & (1 << g)) !== 0);
    assert.deepEqual(bits(s.scan('..ABCDE..')), [0, 1, 3]);
    assert.deepEqual(bits(s.scan('zzx')), [1, 2]);
    assert.deepEqual(bits(s.scan('')), []);
    assert.deepEqual(bits(s.scan('ab cd')), []);
  });

  it('spans several words for many groups', () => {
    const groups = Array.from({ length: 70 }, (_, i) => [`w${i}.`]);
    const s = new LiteralScanner(groups);
    assert.equal(s.words, 3);
    const m = s.scan('w69. and w33.');
    assert.equal(m[2]! & (1 << (69 - 64)), 1 << 5);
    assert.equal(m[1]! & (1 << 1), 1 << 1);
    assert.equal(m[0], 0);
  });
});

describe('rules with the prefilter', () => {
  const rules = `SecRuleEngine On
SecRequestBodyAccess On
SecRule ARGS "@rx (?i)union\\s+select" "id:1,phase:2,deny,status:403,t:none,t:urlDecodeUni,t:lowercase"
SecRule ARGS:keep "!@rx needle" "id:2,phase:2,pass,log,t:none"
SecRule ARGS "@rx <script" "id:3,phase:2,pass,log,multiMatch,t:none,t:urlDecodeUni"
SecRule TX:DUMMY "@rx abc" "id:4,phase:2,pass,log"
SecRule ARGS "@pm alpha beta" "id:5,phase:2,pass,log,chain"
  SecRule ARGS_NAMES "@rx gamma" "t:none"
SecRule ARGS "@rx (?i)c[\\"'\\x5c]*a[\\"'\\x5c]*t[\\"'\\x5c]*[\\s;|]" "id:6,phase:2,pass,log,t:none,t:urlDecodeUni"`;
  const load = (prefilter: boolean) => loadRuleSet([{ text: rules, name: 'p.conf' }], { prefilter });
  const on = load(true);
  const off = load(false);
  const run = (set: RuleSet, query: string) => {
    const tx = new Transaction(set, {});
    tx.processUri(`/?${query}`, 'GET', '1.1');
    tx.addRequestHeader('Host', 'x');
    tx.processRequestHeaders();
    tx.processRequestBody();
    return { ids: tx.matchedRules.map((m) => m.id), status: tx.interruption?.status };
  };

  it('matches exactly as without it: decoded, negated, multiMatch and chained rules', () => {
    const cases = [
      'q=1%20UNION%20%20SELECT%20x',
      'q=union+select',
      'q=harmless',
      'keep=no&x=1',
      'keep=a+needle',
      'q=%253Cscript',
      'q=%3Cscript',
      'a=alpha&gamma=1',
      'a=beta',
      'c=cat%20x',
      'c=c%22a%27t%3Bid',
      'c=C%5CA%5CT%7C',
      'c=category+concat',
      '',
    ];
    for (const q of cases) assert.deepEqual(run(on, q), run(off, q), q);
    assert.deepEqual(run(on, 'q=1%20UNION%20%20SELECT%20x'), { ids: [1], status: 403 });
    assert.deepEqual(run(on, 'keep=no').ids, [2]);
    assert.deepEqual(run(on, 'q=%3Cscript').ids, [3]);
    assert.deepEqual(run(on, 'a=alpha&gamma=1').ids, [5]);
    assert.deepEqual(run(on, 'c=c%22a%27t%3Bid').ids, [6]);
    assert.deepEqual(run(on, 'c=category+concat').ids, []);
  });

  it('is built only for rules whose operator declares literals', () => {
    const byId = new Map([...on.rules()].map((r) => [r.id, r]));
    assert.ok(byId.get(1)!.prefilter?.slots, 'rule 1 can be skipped as a whole');
    assert.equal(byId.get(2)!.prefilter?.slots, undefined, 'a negated rule is never skipped as a whole');
    assert.equal(byId.get(3)!.prefilter?.steps.length, 2, 'multiMatch: the raw value and after urlDecodeUni');
    assert.equal(byId.get(4)!.prefilter?.slots, undefined, 'TX can change during the phase');
    assert.equal([...off.rules()].some((r) => r.prefilter), false);
  });
});

/** The rules of both rule sets with the same operator, side by side. */
function rxRules(set: RuleSet): Rule[] {
  const out: Rule[] = [];
  for (const head of set.rules()) for (let r: Rule | undefined = head; r; r = r.chainChild) if (r.operator?.literals) out.push(r);
  return out;
}

// As the gateway loads it: the prefilter told the paranoia level (rules above it left out).
const crs = (paranoia: number, prefilter: boolean, valueMemory = prefilter, constantFolding = prefilter) =>
  loadRuleSet([{ text: crsDirectives({ crsDir, mode: 'On', paranoia, responseBodyAccess: true }), name: 'prefilter-test.conf', baseDir: crsDir }], { prefilter, paranoia, valueMemory, constantFolding });

function readJsonl(file: string): Array<Record<string, unknown>> {
  return gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Req {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body: string;
}

/** A fixed sample: every n-th recorded request, and every n-th payload in each placement. */
function sample(every: number): Req[] {
  const out: Req[] = [];
  const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  readJsonl(path.join(corpora, 'blazehttp.jsonl.gz')).forEach((r, i) => {
    if (i % every !== 0) return;
    const headers = Object.entries((r.headers ?? {}) as Record<string, string>).map(([k, v]) => [k, latin1(String(v))] as [string, string]);
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const q = str(r.query);
    out.push({ method: str(r.method), target: latin1(str(r.path) + (q ? `?${q}` : '')), headers, body: latin1(str(r.body)) });
  });
  const base: Array<[string, string]> = [['Host', 'shop.example.com'], ['User-Agent', 'Mozilla/5.0']];
  readJsonl(path.join(corpora, 'attack-payloads.jsonl.gz')).forEach((p, i) => {
    if (i % every !== 0) return;
    const v = latin1(String(p.payload));
    const e = encodeURIComponent(String(p.payload));
    switch (i % 4) {
      case 0: out.push({ method: 'GET', target: `/search?q=${e}`, headers: base, body: '' }); break;
      case 1: out.push({ method: 'POST', target: '/form', headers: [...base, ['Content-Type', 'application/x-www-form-urlencoded']], body: `q=${e}` }); break;
      case 2: out.push({ method: 'POST', target: '/api', headers: [...base, ['Content-Type', 'application/json']], body: latin1(JSON.stringify({ q: String(p.payload) })) }); break;
      default: out.push({ method: 'GET', target: '/', headers: [...base, ['X-Data', v.replace(/[\r\n]/g, ' ')]], body: '' });
    }
  });
  return out;
}

/** What a transaction decided and which rules matched on which variables. */
function verdict(rules: RuleSet, r: Req): string {
  const tx = new Transaction(rules, {});
  tx.processUri(r.target, r.method, '1.1');
  for (const [k, v] of r.headers) tx.addRequestHeader(k, v);
  if (!tx.processRequestHeaders()) {
    if (r.body.length > 0) tx.appendRequestBody(r.body);
    tx.processRequestBody();
  }
  if (!tx.interruption) {
    tx.addResponseHeader('Content-Type', 'text/html');
    if (!tx.processResponseHeaders(200, 'HTTP/1.1')) {
      tx.appendResponseBody(`<html><body>${r.target}</body></html>`);
      tx.processResponseBody();
    }
  }
  tx.processLogging();
  const i = tx.interruption;
  return JSON.stringify({
    decision: i ? `${i.action}:${i.status}:${i.ruleId}` : 'pass',
    matched: tx.matchedRules.map((m) => `${m.id}[${m.matched.map((v) => v.name).join(',')}]`),
  });
}

describe('the CRS with and without the prefilter and the value memory', () => {
  it('derives literals that every match of every CRS pattern contains', (t) => {
    if (!needShared(t)) return;
    const set = crs(4, true);
    const payloads = readJsonl(path.join(corpora, 'attack-payloads.jsonl.gz')).filter((_, i) => i % 7 === 0).map((p) => String(p.payload));
    const subjects = payloads.flatMap((p) => {
      let decoded = p;
      try {
        decoded = decodeURIComponent(p);
      } catch {
        // kept as it is
      }
      return [p, decoded];
    });
    const ctx = { capturing: false, captures: [] as string[], expand: (s: string) => s };
    let matches = 0;
    const rules = rxRules(set);
    assert.ok(rules.length > 250, `only ${rules.length} CRS operators declare literals`);
    for (const rule of rules) {
      const needs = rule.operator!.literals!;
      for (const s of subjects) {
        if (!rule.operator!.evaluate(ctx, s)) continue;
        matches++;
        const f = fold(s);
        assert.ok(needs.some((l) => f.includes(l)), `rule ${rule.id} matched ${JSON.stringify(s.slice(0, 80))} without any of ${JSON.stringify(needs.slice(0, 8))}`);
      }
    }
    assert.ok(matches > 10_000, `only ${matches} matches checked`);
  });

  for (const [paranoia, every] of [[1, 12], [4, 30]] as const) {
    it(`gives the same verdicts and matched rules at paranoia ${paranoia} on a fixed corpus sample`, (t) => {
      if (!needShared(t)) return;
      const on = crs(paranoia, true);
      const off = crs(paranoia, false);
      assert.ok(on.prefilters && !off.prefilters && on.values && !off.values && on.folded && !off.folded);
      const requests = sample(every);
      let blocked = 0;
      const expected = requests.map((r) => verdict(off, r));
      // Twice through the same rule set: the second pass finds most short values remembered
      // from the first (engine/value-memory.ts), its misses included, and must decide the same.
      for (const pass of [1, 2]) {
        requests.forEach((r, i) => {
          const a = verdict(on, r);
          assert.equal(a, expected[i], `pass ${pass}: ${r.method} ${r.target.slice(0, 100)}`);
          if (pass === 1 && !a.includes('"decision":"pass"')) blocked++;
        });
      }
      assert.ok(on.values.size > 1000, `only ${on.values.size} values remembered`);
      // The sample has both outcomes in numbers, so the comparison means something.
      assert.ok(requests.length > 2000 && blocked > 300 && blocked < requests.length - 300, `${blocked} of ${requests.length} blocked`);
    });
  }
});
