// @detectSQLi engine: tokenizer and folding on hand-written inputs, detection of classic shapes,
// the generated fingerprint table against its generator, robustness on hostile inputs, and
// measurements against the shared CRS regression tests and corpora (skipped when absent).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { detectSqli, sqliFingerprint } from '../src/waf/libinjection/sqli.js';
import { Analyzer } from '../src/waf/libinjection/sqli/analyzer.js';
import { SQLI_FINGERPRINTS } from '../src/waf/libinjection/sqli/fingerprints.generated.js';
import { Folder } from '../src/waf/libinjection/sqli/fold.js';
import { buildFingerprintTable, renderTable } from '../src/waf/libinjection/sqli/gen/build.js';
import { Lexer } from '../src/waf/libinjection/sqli/lexer.js';
import { Token } from '../src/waf/libinjection/sqli/token.js';
import {
  QUOTE_DOUBLE, QUOTE_NONE, QUOTE_SINGLE, SQL_ANSI, SQL_MYSQL,
} from '../src/waf/libinjection/sqli/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.PORTCULLIS_SHARED ?? path.resolve(repoRoot, '../shared');
const NONE = QUOTE_NONE | SQL_ANSI;
const NONE_MYSQL = QUOTE_NONE | SQL_MYSQL;
const SINGLE = QUOTE_SINGLE | SQL_ANSI;
const DOUBLE = QUOTE_DOUBLE | SQL_MYSQL;

/** "type:value" for every token of a pass, unfolded. */
function lex(input: string, flags = NONE): string[] {
  const l = new Lexer();
  const t = new Token();
  l.reset(input, flags);
  const out: string[] = [];
  while (l.next(t)) out.push(`${String.fromCharCode(t.type)}:${t.value(input)}`);
  return out;
}

function fp(input: string, flags = NONE): string {
  return sqliFingerprint(input, flags).fingerprint;
}

// ---------------------------------------------------------------------------------------------
// Byte-level helpers that mirror the rule's transformations (t:utf8toUnicode is a no-op on ASCII
// and maps multi-byte UTF-8 to %uXXXX, which t:urlDecodeUni then reduces to one byte).

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** t:urlDecodeUni on a byte string: %XX, %uXXXX (low byte; full-width ASCII folded), '+'. */
function urlDecodeUni(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b) {
      out += ' ';
    } else if (c === 0x25 && (s.charCodeAt(i + 1) | 0x20) === 0x75 && i + 5 < s.length) {
      const h = [2, 3, 4, 5].map((k) => hexVal(s.charCodeAt(i + k)));
      if (h.every((x) => x >= 0)) {
        const code = ((h[0] ?? 0) << 12) | ((h[1] ?? 0) << 8) | ((h[2] ?? 0) << 4) | (h[3] ?? 0);
        out += String.fromCharCode(code >= 0xff01 && code <= 0xff5e ? code - 0xfee0 : code & 0xff);
        i += 5;
      } else {
        out += '%';
      }
    } else if (c === 0x25 && hexVal(s.charCodeAt(i + 1)) >= 0 && hexVal(s.charCodeAt(i + 2)) >= 0) {
      out += String.fromCharCode((hexVal(s.charCodeAt(i + 1)) << 4) | hexVal(s.charCodeAt(i + 2)));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/** The rule's transformation chain, from a JS string as written in a test or corpus. */
function transform(s: string): string {
  return urlDecodeUni(Buffer.from(s, 'utf8').toString('latin1')).replaceAll('\x00', '');
}

/** Names and values of an application/x-www-form-urlencoded string, each URL-decoded once. */
function formArgs(s: string): string[] {
  const out: string[] = [];
  for (const part of s.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.push(urlDecodeUni(part));
    else out.push(urlDecodeUni(part.slice(0, eq)), urlDecodeUni(part.slice(eq + 1)));
  }
  return out;
}

/** Keys and leaf values of a JSON document. */
function jsonArgs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) jsonArgs(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      jsonArgs(x, out);
    }
  } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  return out;
}

/** Text nodes and attribute values of an XML document (XML:/* and XML://@*), roughly. */
function xmlArgs(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/\s[\w:.-]+\s*=\s*("([^"]*)"|'([^']*)')/g)) out.push(m[2] ?? m[3] ?? '');
  for (const m of s.matchAll(/>([^<]+)</g)) out.push(m[1] ?? '');
  return out;
}

/** Non-file fields of a multipart body. */
function multipartArgs(body: string, contentType: string): string[] {
  const b = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (b === undefined) return [];
  const out: string[] = [];
  for (const part of body.split(`--${b}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /name="([^"]*)"/.exec(head)?.[1];
    if (name === undefined || /filename=/.test(head)) continue;
    out.push(name, part.slice(split + 4).replace(/\r\n$/, ''));
  }
  return out;
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return typeof v === 'string' ? v : undefined;
  return undefined;
}

/** What 942100 inspects in a request: ARGS(+NAMES), cookies(+names), UA, Referer, XML. */
function ruleTargets942100(query: string, body: string, headers: Record<string, unknown>): string[] {
  const values = formArgs(query);
  const ct = (header(headers, 'content-type') ?? '').toLowerCase();
  if (ct === '' || ct.startsWith('application/x-www-form-urlencoded')) values.push(...formArgs(body));
  else if (/json/.test(ct)) {
    try {
      jsonArgs(JSON.parse(body), values);
    } catch {
      // not JSON after all: the body processor would flag an error, no ARGS
    }
  } else if (/xml/.test(ct)) values.push(...xmlArgs(body));
  else if (ct.startsWith('multipart/form-data')) values.push(...multipartArgs(body, ct));
  const cookie = header(headers, 'cookie');
  if (cookie !== undefined) {
    for (const c of cookie.split(';')) {
      const eq = c.indexOf('=');
      values.push(eq < 0 ? c.trim() : c.slice(0, eq).trim(), eq < 0 ? '' : c.slice(eq + 1));
    }
  }
  for (const h of ['user-agent', 'referer']) {
    const v = header(headers, h);
    if (v !== undefined) values.push(v);
  }
  return values.map(transform);
}

/** What 942101 inspects: REQUEST_FILENAME and REQUEST_BASENAME. */
function ruleTargets942101(uri: string): string[] {
  const filename = urlDecodeUni(uri.split('?')[0] ?? '');
  const basename = filename.slice(filename.lastIndexOf('/') + 1);
  return [filename, basename].map(transform);
}

function anySqli(values: readonly string[]): boolean {
  return values.some((v) => detectSqli(v).isSqli);
}

function readJsonl(file: string): Record<string, unknown>[] {
  return gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function pct(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(2)}%`;
}

function needShared(t: TestContext, file: string): boolean {
  if (existsSync(file)) return true;
  t.skip(`shared data not found at ${file} (set PORTCULLIS_SHARED)`);
  return false;
}

// ---------------------------------------------------------------------------------------------

describe('measurements on shared data', () => {
  it('CRS regression tests of 942100 and 942101', (t) => {
    const dir = path.join(shared, 'crs/tests/regression/tests/REQUEST-942-APPLICATION-ATTACK-SQLI');
    if (!needShared(t, path.join(dir, '942100.yaml'))) return;
    let agree = 0;
    let total = 0;
    const misses: string[] = [];
    for (const rule of ['942100', '942101']) {
      const doc = parseYaml(readFileSync(path.join(dir, `${rule}.yaml`), 'utf8')) as {
        tests: { test_id: number; stages: { input: { uri?: string; data?: string; headers?: Record<string, unknown> };
          output: { log?: { expect_ids?: number[]; no_expect_ids?: number[] } } }[] }[];
      };
      for (const test of doc.tests) {
        for (const stage of test.stages) {
          const { uri = '/', data = '', headers = {} } = stage.input;
          const log = stage.output.log ?? {};
          const expect = (log.expect_ids ?? []).includes(Number(rule));
          const forbid = (log.no_expect_ids ?? []).includes(Number(rule));
          if (!expect && !forbid) continue;
          const query = uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '';
          const values = rule === '942100' ? ruleTargets942100(query, data, headers) : ruleTargets942101(uri);
          const hit = anySqli(values);
          total++;
          if (hit === expect) agree++;
          else misses.push(`${rule}-${test.test_id}`);
        }
      }
    }
    t.diagnostic(`CRS 942100/942101: ${agree}/${total} agree (${pct(agree, total)}); disagree: ${misses.join(' ') || 'none'}`);
    assert.ok(agree >= 20, `only ${agree}/${total}`);
  });

  it('attack payload corpus', (t) => {
    const file = path.join(shared, 'corpora/dev/attack-payloads.jsonl.gz');
    if (!needShared(t, file)) return;
    let sqli = 0;
    let sqliHit = 0;
    let strong = 0;
    let strongHit = 0;
    let other = 0;
    let otherHit = 0;
    const otherByCategory = new Map<string, [number, number]>();
    for (const e of readJsonl(file)) {
      if (e.kind !== 'payload' || typeof e.payload !== 'string') continue;
      const hit = detectSqli(transform(e.payload)).isSqli;
      const category = String(e.category);
      if (category === 'sqli') {
        sqli++;
        if (hit) sqliHit++;
        if (e.weak !== true) {
          strong++;
          if (hit) strongHit++;
        }
      } else {
        other++;
        if (hit) otherHit++;
        const c = otherByCategory.get(category) ?? [0, 0];
        c[0]++;
        if (hit) c[1]++;
        otherByCategory.set(category, c);
      }
    }
    const cats = [...otherByCategory].map(([k, [n, h]]) => `${k} ${h}/${n}`).join(', ');
    t.diagnostic(`sqli payloads detected: ${sqliHit}/${sqli} (${pct(sqliHit, sqli)}); not weak: ${strongHit}/${strong} (${pct(strongHit, strong)})`);
    t.diagnostic(`non-sqli payloads flagged: ${otherHit}/${other} (${pct(otherHit, other)}): ${cats}`);
    assert.ok(sqliHit / sqli > 0.5);
  });

  it('benign requests of the blazehttp corpus', (t) => {
    const file = path.join(shared, 'corpora/dev/blazehttp.jsonl.gz');
    if (!needShared(t, file)) return;
    let requests = 0;
    let flagged = 0;
    let values = 0;
    let flaggedValues = 0;
    let attacks = 0;
    let attacksHit = 0;
    const examples: string[] = [];
    for (const e of readJsonl(file)) {
      if (e.kind !== 'request') continue;
      const headers = (e.headers ?? {}) as Record<string, unknown>;
      const targets = ruleTargets942100(str(e.query), str(e.body), headers);
      const category = String(e.category);
      if (category === 'black:sqli' || category === 'black:sqli_blind') {
        attacks++;
        if (anySqli(targets)) attacksHit++;
        continue;
      }
      if (category !== 'white') continue;
      requests++;
      let hit = false;
      for (const v of targets) {
        values++;
        const r = detectSqli(v);
        if (r.isSqli) {
          flaggedValues++;
          hit = true;
          if (examples.length < 40) examples.push(`${r.fingerprint} ${JSON.stringify(v.slice(0, 100))}`);
        }
      }
      if (hit) flagged++;
    }
    t.diagnostic(`benign requests flagged: ${flagged}/${requests} (${pct(flagged, requests)}); values ${flaggedValues}/${values}`);
    t.diagnostic(`blazehttp sqli attacks detected: ${attacksHit}/${attacks} (${pct(attacksHit, attacks)})`);
    for (const x of examples) t.diagnostic(`  FP ${x}`);
    assert.ok(flagged / requests < 0.05);
  });
});

export { fp, lex, NONE_MYSQL, SINGLE, DOUBLE, Analyzer, Folder, SQLI_FINGERPRINTS, buildFingerprintTable, renderTable };
