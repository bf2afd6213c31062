// @detectXSS's engine: the HTML5 tokenizer on hand-written inputs, detection of known vectors and
// of benign text, robustness (never throws, linear time), and measured agreement with the CRS
// regression tests of 941100/941101 and with the shared corpora (floors a little under what the
// engine achieves, to catch regressions).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { Html5Tokenizer, Start, Token, type StartContext } from '../src/waf/libinjection/html5.js';
import { detectXss } from '../src/waf/libinjection/xss.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.PORTCULLIS_SHARED ?? path.resolve(repoRoot, '../shared');

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Token).map(([k, v]) => [v, k]));

function tokens(input: string, context: StartContext = Start.Data, backtickQuotes = true): string[] {
  const t = new Html5Tokenizer();
  t.backtickQuotes = backtickQuotes;
  t.reset(input, context);
  const out: string[] = [];
  while (t.next()) out.push(`${TYPE_NAMES[t.type]}:${input.slice(t.start, t.end)}`);
  return out;
}

describe('HTML5 tokenizer', () => {
  it('reads tags, attributes and text in the data state', () => {
    assert.deepEqual(tokens('<b>bold</b>'), ['TagOpen:b', 'TagEnd:>', 'Text:bold', 'TagClose:b', 'TagEnd:>']);
    assert.deepEqual(tokens(`<img src="x" alt='y z' onerror=alert(1)>`), [
      'TagOpen:img', 'AttrName:src', 'AttrValue:x', 'AttrName:alt', 'AttrValue:y z',
      'AttrName:onerror', 'AttrValue:alert(1)', 'TagEnd:>',
    ]);
    assert.deepEqual(tokens('<br/>x'), ['TagOpen:br', 'SelfClose:/>', 'Text:x']);
    assert.deepEqual(tokens('<svg/onload=alert(1)>'), ['TagOpen:svg', 'AttrName:onload', 'AttrValue:alert(1)', 'TagEnd:>']);
    assert.deepEqual(tokens(`<a b='c'd=e checked>`), ['TagOpen:a', 'AttrName:b', 'AttrValue:c', 'AttrName:d', 'AttrValue:e', 'AttrName:checked', 'TagEnd:>']);
    assert.deepEqual(tokens('<a b = "c">'), ['TagOpen:a', 'AttrName:b', 'AttrValue:c', 'TagEnd:>']);
    assert.deepEqual(tokens('<a b=>'), ['TagOpen:a', 'AttrName:b', 'TagEnd:>']);
  });
  it('keeps a < that opens no tag as text', () => {
    assert.deepEqual(tokens('a < b'), ['Text:a ', 'Text:<', 'Text: b']);
    assert.deepEqual(tokens('I <3 you'), ['Text:I ', 'Text:<', 'Text:3 you']);
    assert.deepEqual(tokens('<%x%>'), ['Text:<', 'Text:%x%>']);
    assert.deepEqual(tokens('x<'), ['Text:x']);
  });
  it('reads comments, bogus comments, doctypes and CDATA', () => {
    assert.deepEqual(tokens('<!-- c -->x'), ['Comment: c ', 'Text:x']);
    assert.deepEqual(tokens('<!-- a --!>b'), ['Comment: a ', 'Text:b']);
    assert.deepEqual(tokens('<!-->a<!--->b'), ['Comment:', 'Text:a', 'Comment:', 'Text:b']);
    assert.deepEqual(tokens('<!-- never closed'), ['Comment: never closed']);
    assert.deepEqual(tokens('<?xml version="1.0"?><r/>'), ['Comment:xml version="1.0"?', 'TagOpen:r', 'SelfClose:/>']);
    assert.deepEqual(tokens('<!ENTITY x "y">'), ['Comment:ENTITY x "y"']);
    assert.deepEqual(tokens('</ x>'), ['Comment: x']);
    assert.deepEqual(tokens('</>a'), ['Text:a']);
    assert.deepEqual(tokens('<!DocType html>'), ['Doctype: html']);
    assert.deepEqual(tokens('<![CDATA[x]]>y'), ['Text:x', 'Text:y']);
  });
  it('ignores NULs in tag names and treats them as separators between attributes', () => {
    assert.deepEqual(tokens('<scr\0ipt>'), ['TagOpen:scr\0ipt', 'TagEnd:>']);
    assert.deepEqual(tokens('<a\0b=c>'), ['TagOpen:a\0b=c', 'TagEnd:>']);
    assert.deepEqual(tokens('<a \0b=c>'), ['TagOpen:a', 'AttrName:b', 'AttrValue:c', 'TagEnd:>']);
  });
  it('reads back-quotes as IE did, or as the standard does', () => {
    assert.deepEqual(tokens('<a b=`c d`>'), ['TagOpen:a', 'AttrName:b', 'AttrValue:c d', 'TagEnd:>']);
    assert.deepEqual(tokens('<a b=`c d`>', Start.Data, false), ['TagOpen:a', 'AttrName:b', 'AttrValue:`c', 'AttrName:d`', 'TagEnd:>']);
  });
  it('starts inside a tag or an attribute value', () => {
    assert.deepEqual(tokens('x" onmouseover=alert(1)', Start.ValueDouble), ['AttrValue:x', 'AttrName:onmouseover', 'AttrValue:alert(1)']);
    assert.deepEqual(tokens("x' onclick='y'", Start.ValueSingle), ['AttrValue:x', 'AttrName:onclick', 'AttrValue:y']);
    assert.deepEqual(tokens('x` onclick=y', Start.ValueBack), ['AttrValue:x', 'AttrName:onclick', 'AttrValue:y']);
    assert.deepEqual(tokens('x onclick=y', Start.ValueUnquoted), ['AttrValue:x', 'AttrName:onclick', 'AttrValue:y']);
    assert.deepEqual(tokens('onclick=y><b>', Start.AttrName), ['AttrName:onclick', 'AttrValue:y', 'TagEnd:>', 'TagOpen:b', 'TagEnd:>']);
    assert.deepEqual(tokens('"><script>', Start.ValueDouble), ['AttrValue:', 'TagEnd:>', 'TagOpen:script', 'TagEnd:>']);
  });
});

describe('detectXss on hand-written inputs', () => {
  const attacks = [
    '<script>alert(1)</script>',
    '<ScRiPt >alert(1)</sCrIpT>',
    '<scr\0ipt>alert(1)</script>',
    '<script',
    '"><script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<img/src/onerror=alert(1)>',
    '<IMG SRC=x ONERROR="alert(1)">',
    '<img src=x on\0error=alert(1)>',
    '<body onload!#$%=alert(1)>',
    '<svg/onload=alert(1)>',
    '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
    '<iframe src="https://evil.example/">',
    '<object data="x.swf">',
    '<embed src=x.swf>',
    '<base href="//evil.example/">',
    '<link rel=stylesheet href=//evil.example/x.css>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<style>@import "//evil.example/x.css";</style>',
    '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<button formaction=//evil.example/>x</button>',
    '<table background="javascript:alert(1)">',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">',
    '<a xlink:href="javascript:alert(1)">x</a>',
    '<set attributeName="onmouseover" to="alert(1)">',
    '<div style="width: expression(alert(1))">',
    '<div style="background:url(javascript:alert(1))">',
    '<div style="x:\\65xpression(alert(1))">',
    '<div style="x:exp/**/ression(alert(1))">',
    '<div style="behavior:url(x.htc)">',
    '<div style="-moz-binding:url(//evil.example/x.xml#x)">',
    '<!--[if gte IE 4]><script>alert(1)</script><![endif]-->',
    '<![if !IE]>x<![endif]>',
    '<?xml-stylesheet href="javascript:alert(1)"?>',
    '<?import namespace="t" implementation="#default#time2">',
    '<!DOCTYPE x [<!ENTITY y "z">]>',
    '<! `=\'foo\'><x foo=`><img src=x onerror=alert(2)//`>',
    '<x a=`><img src=x onerror=alert(1)>`>',
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus x='",
    '` onclick=alert(1) x=`',
    ' onmouseover=alert(1)',
    'x onclick=alert(1)',
    'x/onclick=alert(1)',
    '<xss onbeforehellfreezes=alert(1)>',
  ];
  for (const a of attacks) {
    it(`flags ${JSON.stringify(a)}`, () => assert.equal(detectXss(a), true));
  }
  const benign = [
    '',
    'hello world',
    '<b>bold</b>',
    '<i>a</i> <em>b</em> <p>c</p> <br/> <hr>',
    '<a href="https://example.com/x?y=1&amp;z=2" title="t">link</a>',
    '<a href="/relative/path" target="_blank" rel="noopener">x</a>',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="pixel">',
    '<img src="/logo.png" width=10 height=10>',
    '<p style="color:red; font-weight:bold">x</p>',
    '<span style="scroll-behavior:smooth">x</span>',
    '<div class="a b" id=c data-x="1">x</div>',
    'a < b and c > d',
    'I <3 you',
    'x<y && y>z',
    '1<2',
    'John Smith <john@example.com>',
    'Tom & Jerry said "hi" and it\'s fine',
    'He said: "don\'t" & left; 5 > 3',
    'a=1&b=2&c=3',
    'key=value',
    'name="x" value=\'y\'',
    'SELECT * FROM t WHERE a = \'b\'',
    '<!-- a comment -->',
    '<?xml version="1.0" encoding="UTF-8"?><root><a>1</a></root>',
    'https://example.com/search?q=onion&lang=en',
    'on_click=1 onload2=3 online-status=up',
    'javascript is a language',
    'the data: field, the url(...) function',
    'YWJjZGVmZw==',
    'price: $5 < $10, "quoted" `ticks`',
  ];
  for (const b of benign) {
    it(`passes ${JSON.stringify(b)}`, () => assert.equal(detectXss(b), false));
  }
  it('flags, as libinjection does, benign text that reads as an event handler inside a tag', () => {
    // Known false positives of the approach: read as attributes, these are handlers.
    assert.equal(detectXss('online=true'), true);
    assert.equal(detectXss('<Button onClick={handle}>'), true);
  });
});

/** A small deterministic PRNG (xorshift32), so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

describe('robustness', () => {
  const contexts = Object.values(Start);
  it('never throws, and every reading ends with in-bounds tokens, at most one per byte', () => {
    const random = rng(941100);
    const alphabet = '<>/"\'`=! -?[]&#;:\0\t\n\x0b%xscriptonlad';
    for (let n = 0; n < 3000; n++) {
      const len = Math.floor(random() * 200);
      let s = '';
      for (let i = 0; i < len; i++) {
        s += random() < 0.8
          ? alphabet.charAt(Math.floor(random() * alphabet.length))
          : String.fromCharCode(Math.floor(random() * 256));
      }
      assert.equal(typeof detectXss(s), 'boolean');
      for (const ctx of contexts) {
        for (const bq of [true, false]) {
          const t = new Html5Tokenizer();
          t.backtickQuotes = bq;
          t.reset(s, ctx);
          let count = 0;
          let last = 0;
          while (t.next()) {
            count++;
            assert.ok(t.start >= last - 2 && t.start <= t.end && t.end <= s.length, JSON.stringify(s));
            last = t.start;
            assert.ok(count <= s.length + 2, `too many tokens for ${JSON.stringify(s)}`);
          }
        }
      }
    }
  });
  it('takes linear time on long adversarial inputs (100 KB each, well under 100 ms)', (t) => {
    const size = 100_000;
    const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    const inputs = [
      '<', '"', "'", '`', '=', '<a ', '<a b=', '<a b="', '<a b=`', '<!--', '<!-', '--', '<!', '<?',
      '</', '<![CDATA[', '&#', '&#x', '<a style=', '<a style="url(', '<a style="\\', '<a href=&#',
      '<a href= ', ' a=', '\0', '<\0', 'on', '<a on', "'\"`<=", '<a b=\'`"',
    ].map(fill);
    inputs.push(`<a style="${fill(' ')}`, `<a href="${fill('\t')}`, `<p>${fill('x')}`);
    let worst = 0;
    for (const input of inputs) {
      let best = Infinity;
      for (let round = 0; round < 3; round++) {
        const t0 = process.hrtime.bigint();
        detectXss(input);
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
      }
      worst = Math.max(worst, best);
      assert.ok(best < 100, `${JSON.stringify(input.slice(0, 12))}…: ${best.toFixed(1)} ms`);
    }
    t.diagnostic(`slowest of ${inputs.length} adversarial 100 KB inputs: ${worst.toFixed(2)} ms`);
    assert.ok(worst < 100);
  });
});

// --- Measurements -------------------------------------------------------------------------------
// The transformations 941100/941101 apply (t:urlDecodeUni, t:htmlEntityDecode, t:jsDecode,
// t:cssDecode, t:removeNulls), approximated here; the engine's own transformations are elsewhere.

/** Full-width ASCII to ASCII, else the low byte (what ModSecurity's decoders do). */
function narrow(code: number): number {
  return code >= 0xff01 && code <= 0xff5e ? code - 0xfee0 : code & 0xff;
}
const chr = (code: number) => String.fromCharCode(narrow(code));

function urlDecodeUni(s: string): string {
  return s
    .replace(/\+/g, ' ')
    .replace(/%u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})/g, (_m, u: string | undefined, h: string | undefined) =>
      u !== undefined ? chr(parseInt(u, 16)) : chr(parseInt(h ?? '0', 16)));
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', amp: '&', apos: "'", nbsp: '\xa0' };
function htmlEntityDecode(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]+|#\d+|lt|gt|quot|amp|apos|nbsp);?/gi, (m, e: string) => {
    if (e.startsWith('#')) {
      const hex = e[1] === 'x' || e[1] === 'X';
      return chr(Math.min(parseInt(e.slice(hex ? 2 : 1), hex ? 16 : 10), 0x10ffff));
    }
    return NAMED_ENTITIES[e.toLowerCase()] ?? m;
  });
}

const JS_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
function jsDecode(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[0-7]{1,3}|[\s\S])/g, (_m, e: string) => {
    if (/^x[0-9a-fA-F]{2}$/.test(e)) return chr(parseInt(e.slice(1), 16));
    if (/^u[0-9a-fA-F]{4}$/.test(e)) return chr(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return chr(parseInt(e, 8));
    return JS_ESCAPES[e] ?? e;
  });
}

function cssDecode(s: string): string {
  return s.replace(/\\([0-9a-fA-F]{1,6})[ \t\n\f\r]?|\\\n|\\([\s\S])/g, (_m, h: string | undefined, o: string | undefined) =>
    h !== undefined ? chr(parseInt(h, 16)) : (o ?? ''));
}

function crsTransform(v: string): string {
  return cssDecode(jsDecode(htmlEntityDecode(urlDecodeUni(v)))).replace(/\0/g, '');
}

/** What a server's argument parser yields: '+' and %XX decoded once. */
function parseDecode(s: string): string {
  return s.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function splitPairs(text: string, sep: RegExp): Array<[string, string]> {
  return text.split(sep).filter((p) => p !== '').map((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
  });
}

const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

function decodeXmlText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|quot|amp|apos);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCharCode(narrow(parseInt(e.slice(2), 16)));
    if (e.startsWith('#')) return String.fromCharCode(narrow(parseInt(e.slice(1), 10)));
    return NAMED_ENTITIES[e] ?? m;
  });
}

/** XML:/* and XML://@* roughly: text nodes and attribute values, entities decoded. */
function xmlValues(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/\s[\w:.-]+\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out.push(decodeXmlText(m[1] ?? m[2] ?? ''));
  for (const m of body.matchAll(/>([^<]+)</g)) out.push(decodeXmlText(m[1] ?? ''));
  return out;
}

function jsonLeaves(x: unknown, out: string[]): void {
  if (typeof x === 'string') out.push(bytes(x));
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) jsonLeaves(v, out);
}

interface FtwInput {
  uri?: string;
  headers?: Record<string, string>;
  data?: string;
}

function header(input: FtwInput, name: string): string | undefined {
  for (const [k, v] of Object.entries(input.headers ?? {})) if (k.toLowerCase() === name) return String(v);
  return undefined;
}

/** The (untransformed) values rule 941100 or 941101 inspects in a go-ftw stage input. */
function ruleTargets(rule: number, input: FtwInput): string[] {
  const uri = input.uri ?? '/';
  const q = uri.indexOf('?');
  const values: string[] = [];
  if (rule === 941101) {
    values.push(q < 0 ? uri : uri.slice(0, q));
    const referer = header(input, 'referer');
    if (referer !== undefined) values.push(referer);
    return values;
  }
  const args = q < 0 ? [] : splitPairs(uri.slice(q + 1), /&/);
  const type = header(input, 'content-type') ?? 'application/x-www-form-urlencoded';
  if (input.data !== undefined) {
    if (/xml/i.test(type)) values.push(...xmlValues(input.data));
    else if (!/json/i.test(type)) args.push(...splitPairs(input.data, /&/));
  }
  for (const [name, value] of args) values.push(parseDecode(name), parseDecode(value));
  const ua = header(input, 'user-agent');
  if (ua !== undefined) values.push(ua);
  for (const [name, value] of splitPairs(header(input, 'cookie') ?? '', /;\s*/)) values.push(name, value);
  return values;
}

interface FtwStage {
  input: FtwInput;
  output?: { log?: { expect_ids?: number[]; no_expect_ids?: number[] } };
}
interface FtwFile {
  tests: Array<{ test_id: number; stages: FtwStage[] }>;
}

function skipWithoutShared(t: TestContext, file: string): boolean {
  if (fs.existsSync(file)) return false;
  t.skip(`shared data not found at ${file} (set PORTCULLIS_SHARED)`);
  return true;
}

function readJsonl(file: string): Array<Record<string, unknown>> {
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n')
    .filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const pct = (a: number, b: number) => `${a}/${b} (${((100 * a) / b).toFixed(2)}%)`;

describe('measurements', () => {
  it('agrees with the CRS regression tests of 941100 and 941101', (t) => {
    const dir = path.join(shared, 'crs/tests/regression/tests/REQUEST-941-APPLICATION-ATTACK-XSS');
    if (skipWithoutShared(t, dir)) return;
    let stages = 0;
    let agree = 0;
    const disagreements: string[] = [];
    for (const rule of [941100, 941101]) {
      const file = parseYaml(fs.readFileSync(path.join(dir, `${rule}.yaml`), 'utf8')) as FtwFile;
      for (const test of file.tests) {
        for (const stage of test.stages) {
          const log = stage.output?.log ?? {};
          const expected = log.expect_ids?.includes(rule) ? true : log.no_expect_ids?.includes(rule) ? false : undefined;
          if (expected === undefined) continue;
          stages++;
          const fired = ruleTargets(rule, stage.input).some((v) => detectXss(crsTransform(bytes(v))));
          if (fired === expected) agree++;
          else disagreements.push(`${rule}-${test.test_id}: expected ${expected}`);
        }
      }
    }
    t.diagnostic(`CRS 941100/941101 agreement: ${pct(agree, stages)} ${disagreements.join(', ')}`);
    assert.equal(stages, 10);
    assert.equal(agree, stages, disagreements.join('; '));
  });

  it('detects the XSS payloads of the attack corpus and rarely fires on the others', (t) => {
    const file = path.join(shared, 'corpora/dev/attack-payloads.jsonl.gz');
    if (skipWithoutShared(t, file)) return;
    let xss = 0;
    let xssHit = 0;
    let other = 0;
    let otherHit = 0;
    for (const entry of readJsonl(file)) {
      if (entry.kind !== 'payload' || typeof entry.payload !== 'string') continue;
      const hit = detectXss(crsTransform(bytes(entry.payload)));
      if (entry.category === 'xss') {
        xss++;
        if (hit) xssHit++;
      } else {
        other++;
        if (hit) otherHit++;
      }
    }
    t.diagnostic(`XSS payloads detected: ${pct(xssHit, xss)}; non-XSS payloads flagged: ${pct(otherHit, other)}`);
    assert.ok(xss > 8000, 'the corpus changed shape');
    assert.ok(xssHit / xss >= 0.93, `detection ${pct(xssHit, xss)}`);
    assert.ok(otherHit / other <= 0.005, `non-XSS flagged ${pct(otherHit, other)}`);
  });

  it('rarely fires on the arguments of benign recorded requests', (t) => {
    const file = path.join(shared, 'corpora/dev/blazehttp.jsonl.gz');
    if (skipWithoutShared(t, file)) return;
    let requests = 0;
    let flaggedRequests = 0;
    let values = 0;
    let flaggedValues = 0;
    for (const entry of readJsonl(file)) {
      if (entry.kind !== 'request' || entry.expect !== 'pass') continue;
      requests++;
      const args: string[] = [];
      for (const [, v] of splitPairs(bytes(str(entry.query)), /&/)) args.push(parseDecode(v));
      const body = bytes(str(entry.body));
      const type = header({ headers: entry.headers as Record<string, string> }, 'content-type') ?? '';
      if (body !== '' && /json/i.test(type)) {
        try {
          jsonLeaves(JSON.parse(str(entry.body)), args);
        } catch {
          // not JSON after all: no arguments from the body
        }
      } else if (body !== '' && /urlencoded/i.test(type)) {
        for (const [, v] of splitPairs(body, /&/)) args.push(parseDecode(v));
      }
      let flagged = false;
      for (const a of args) {
        values++;
        if (detectXss(crsTransform(a))) {
          flaggedValues++;
          flagged = true;
        }
      }
      if (flagged) flaggedRequests++;
    }
    t.diagnostic(`benign requests flagged: ${pct(flaggedRequests, requests)}; argument values flagged: ${pct(flaggedValues, values)}`);
    assert.ok(requests > 30000, 'the corpus changed shape');
    assert.ok(flaggedRequests / requests <= 0.0006, `benign requests flagged ${pct(flaggedRequests, requests)}`);
  });
});
