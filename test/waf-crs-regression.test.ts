// The CRS regression-suite runner: its parts on hand-made stages (go-ftw's request bytes, the
// lenient reader, the gateway front end, albedo, the judge, overrides, the error-log lines), and
// the whole suite in-process against the CRS, with a floor on the pass rate.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadRuleSet } from '../src/waf/seclang/loader.js';
import { albedoBackend, detectContentType } from '../src/waf/ftw/backend.js';
import { BudgetExceeded, StageBudget } from '../src/waf/ftw/budget.js';
import { strictFrontEnd } from '../src/waf/ftw/front-end.js';
import { compileGoRegex, GoRegexError } from '../src/waf/ftw/go-regex.js';
import { executeTemplate } from '../src/waf/ftw/go-template.js';
import { runSuiteIsolated } from '../src/waf/ftw/isolated.js';
import { idsInLog, judge } from '../src/waf/ftw/judge.js';
import { parseLenient } from '../src/waf/ftw/lenient-parser.js';
import { parseTestFile } from '../src/waf/ftw/load-tests.js';
import { parseOverrides } from '../src/waf/ftw/overrides.js';
import { buildRequest, canonicalHeaderKey, RequestBuildError } from '../src/waf/ftw/request-builder.js';
import { StageRunner } from '../src/waf/ftw/runner.js';
import { defaultCrsDir, suiteProblem, type SuiteReport } from '../src/waf/ftw/suite.js';
import type { LoggedRule, StageInput, StageOutput, StageRecord } from '../src/waf/ftw/types.js';

const input = (i: Partial<StageInput>): StageInput => ({ autocompleteHeaders: true, ...i });
const text = (i: Partial<StageInput>) => buildRequest(input(i)).bytes.toString('latin1');
const H = (name: string, value: string) => ({ name, value });

describe('go-ftw request bytes', () => {
  it('uses the defaults and adds Connection: close, no Content-Length for a GET without data', () => {
    assert.equal(text({ headers: [H('Host', 'localhost')] }), 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  });

  it('url-encodes form data pair by pair, with the default Content-Type and a Content-Length', () => {
    const t = text({ method: 'POST', data: 'a=b c&x=<y>=z&flag&' });
    const body = 'a=b+c&x=%3Cy%3E%3Dz&flag';
    assert.equal(t, `POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });

  it('leaves data that is already escaped (a "%" or a "+") and non-form bodies alone', () => {
    assert.ok(text({ method: 'POST', data: 'a=%41 b' }).endsWith('\r\n\r\na=%41 b'));
    assert.ok(text({ method: 'POST', data: 'a=1+2 <' }).endsWith('\r\n\r\na=1+2 <'));
    const json = text({ method: 'POST', headers: [H('content-type', 'application/json')], data: '{"a": "<b c>"}' });
    assert.ok(json.endsWith('\r\n\r\n{"a": "<b c>"}'));
    assert.ok(!json.includes('x-www-form-urlencoded'), 'a Content-Type in any case counts');
    // Only the exact form type is encoded (go-ftw compares the whole value).
    assert.ok(text({ method: 'POST', headers: [H('Content-Type', 'application/x-www-form-urlencoded; charset=utf-8')], data: 'a=b c' }).endsWith('a=b c'));
  });

  it('sends everything as written with autocomplete_headers: false', () => {
    assert.equal(text({ autocompleteHeaders: false, method: 'POST', uri: '/x', version: 'HTTP\\1.0', data: 'a=b c' }), 'POST /x HTTP\\1.0\r\n\r\na=b c');
  });

  it('adds Content-Length: 0 for methods go-ftw thinks have a body (its regex, alternation and all)', () => {
    assert.ok(text({ method: 'POST' }).includes('Content-Length: 0\r\n'));
    assert.ok(text({ method: 'XPUTX' }).includes('Content-Length: 0\r\n'));
    assert.ok(!text({ method: 'GET' }).includes('Content-Length'));
    assert.ok(!text({ method: 'POST', headers: [H('content-length', '5')] }).includes('Content-Length: 0'));
  });

  it('turns every LF of a multipart body into CRLF, also without autocomplete and after a CR', () => {
    const ct = H('Content-Type', 'multipart/form-data; boundary=b');
    const body = '--b\nContent-Disposition: form-data; name="a"\r\n\nv\n--b--\n';
    const want = '--b\r\nContent-Disposition: form-data; name="a"\r\r\n\r\nv\r\n--b--\r\n';
    assert.ok(text({ method: 'POST', headers: [ct], data: body }).endsWith(`Content-Length: ${want.length}\r\n\r\n${want}`));
    assert.equal(text({ autocompleteHeaders: false, method: 'POST', headers: [ct], data: body }), `POST / HTTP/1.1\r\n${ct.name}: ${ct.value}\r\n\r\n${want}`);
  });

  it('sends encoded_request decoded and nothing else, and refuses what go-ftw refuses', () => {
    const raw = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
    assert.equal(text({ encodedRequest: Buffer.from(raw).toString('base64'), headers: [H('X', 'y')] }), raw);
    assert.throws(() => buildRequest(input({ encodedRequest: 'not base64!' })), RequestBuildError);
    assert.throws(() => buildRequest(input({ encodedRequest: 'R0VU', data: 'x' })), /must not be set simultaneously/);
  });

  it('runs data templates (sprig repeat) and sends text as UTF-8', () => {
    assert.equal(executeTemplate('a={{ "1" | repeat 3 }}&b={{- " x " -}} '), 'a=111&b= x ');
    assert.ok(text({ autocompleteHeaders: false, data: '{{ "ab" | repeat 2 }}' }).endsWith('\r\n\r\nabab'));
    assert.ok(text({ autocompleteHeaders: false, uri: '/é' }).startsWith('GET /\xc3\xa9 HTTP/1.1'));
    const broken = buildRequest(input({ method: 'POST', data: '{{ if }}' }));
    assert.ok(broken.bytes.toString('latin1').endsWith('Content-Length: 0\r\n\r\n'), 'go-ftw sends no data when the template fails');
    assert.equal(broken.notes.length, 1);
  });

  it('compares header names as Go canonical keys', () => {
    assert.equal(canonicalHeaderKey('content-TYPE'), 'Content-Type');
    assert.equal(canonicalHeaderKey('x_a b'), 'x_a b');
    assert.ok(!text({ headers: [H('connection', 'keep-alive')] }).includes('close'));
  });
});

describe('the lenient reader', () => {
  const parse = (s: string) => parseLenient(Buffer.from(s, 'latin1'));

  it('passes odd request lines on as written', () => {
    const r = parse('|GET /a b HTTP\\1.0\r\nHost: x\r\n\r\n');
    assert.ok(r.ok);
    assert.equal(r.request.method, '|GET');
    assert.equal(r.request.uri, '/a b');
    assert.equal(r.request.versionToken, 'HTTP\\1.0');
    const nine = parse('GET /\r\n\r\n');
    assert.ok(nine.ok && nine.request.versionToken === '');
  });

  it('reads headers leniently (LF line ends, folding, trimmed values)', () => {
    const r = parse('GET / HTTP/1.1\nA:  1 \n\tmore\nno colon\nB:2\n\n');
    assert.ok(r.ok);
    assert.deepEqual(r.request.headers, [
      ['A', '1 more'],
      ['B', '2'],
    ]);
  });

  it('decodes a chunked body, trailers included, and frames by Content-Length otherwise', () => {
    const c = parse('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\nNEXT');
    assert.ok(c.ok);
    assert.equal(c.request.body, 'abcde');
    const l = parse('POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcdef');
    assert.ok(l.ok && l.request.body === 'abc');
    const short = parse('POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc');
    assert.ok(!short.ok && short.incomplete);
  });
});

describe('the gateway front end', () => {
  const front = (s: string) => strictFrontEnd(Buffer.from(s, 'latin1'));

  it('accepts a clean request, de-chunking its body', () => {
    const v = front('POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    assert.equal(v.kind, 'accepted');
    assert.ok(v.kind === 'accepted' && v.body.toString() === 'abc');
  });

  it('refuses what the parser and the gateway refuse, with their status', () => {
    const refused = (s: string) => {
      const v = front(s);
      return v.kind === 'refused' ? v.status : v.kind;
    };
    assert.equal(refused('G@T / HTTP/1.1\r\nHost: x\r\n\r\n'), 400);
    assert.equal(refused('|GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'accepted', '"|" is a token character');
    assert.equal(refused('GET / HTTP/2.0\r\nHost: x\r\n\r\n'), 400);
    assert.equal(refused(`GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`), 414);
    assert.equal(refused('GET / HTTP/1.1\r\n\r\n'), 400, 'no Host');
    assert.equal(refused('CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n'), 405);
    assert.equal(refused('GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n'), 400);
    assert.equal(refused('GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n'), 417);
    assert.equal(refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab'), 'incomplete');
  });
});

describe('albedo', () => {
  const reflect = (body: string, method = 'POST', uri = '/reflect') => albedoBackend({ method, uri, headers: [], body: Buffer.from(body).toString('latin1') });

  it('reflects status, headers and body, sniffing a Content-Type when none is given', () => {
    const r = reflect('{"Status": 302, "headers": {"Location": "/x"}, "body": "<html><p>é</p>"}');
    assert.equal(r.status, 302);
    assert.deepEqual(r.headers.find(([k]) => k === 'Location'), ['Location', '/x']);
    assert.equal(r.body, '<html><p>\xc3\xa9</p>');
    assert.equal(r.headers.find(([k]) => k === 'Content-Type')?.[1], 'text/html; charset=utf-8');
    assert.equal(reflect(`{"encodedBody": "${Buffer.from('PK\x03\x04').toString('base64')}"}`).headers.find(([k]) => k === 'Content-Type')?.[1], 'application/zip');
  });

  it('answers 400 to a bad specification, and 200 without a body elsewhere', () => {
    assert.equal(reflect('{nope').status, 400);
    assert.equal(reflect('{"status": 99}').status, 400);
    const other = reflect('{"status": 500}', 'GET');
    assert.equal(other.status, 200);
    assert.equal(other.body, '');
    assert.ok(!other.headers.some(([k]) => k === 'Content-Type'));
  });

  it('sniffs as Go does', () => {
    assert.equal(detectContentType('  <!DOCTYPE html>'), 'text/html; charset=utf-8');
    assert.equal(detectContentType('<?xml version="1.0"?>'), 'text/xml; charset=utf-8');
    assert.equal(detectContentType('Maximum allowed file size is 10 MB'), 'text/plain; charset=utf-8');
    assert.equal(detectContentType('a\x00b'), 'application/octet-stream');
  });
});

describe('test files', () => {
  it('reads a stage as go-ftw does: scalar text kept, defaults, legacy fields', () => {
    const yaml = [
      'tests:',
      '  - stages:',
      '      - input:',
      '          port: 8080',
      '          stop_magic: true',
      '          headers: {Zed: "1", Content-Length: 0, Accept: 0x1F}',
      '        output:',
      '          status: [200, 403]',
      '          log_contains: id "123"',
      '  - test_id: 7',
      '    stages:',
      '      - stage:',
      '          input: {}',
      '          output: {log: {expect_ids: [123]}}',
    ].join('\n');
    const { records, ruleId, problem } = parseTestFile(yaml, 'dir/123456-foo.yaml');
    assert.equal(problem, undefined);
    assert.equal(ruleId, 123456);
    assert.equal(records.length, 2);
    const [a, b] = records as [StageRecord, StageRecord];
    assert.equal(a.testId, 1);
    assert.equal(a.input.port, 8080);
    assert.equal(a.input.autocompleteHeaders, false);
    assert.deepEqual(a.input.headers, [H('Accept', '0x1F'), H('Content-Length', '0'), H('Zed', '1')]);
    assert.deepEqual(a.output.status, [200, 403]);
    assert.equal(a.output.log.matchRegex, 'id "123"');
    assert.equal(b.testId, 7);
    assert.deepEqual(b.output.log.expectIds, [123]);
  });

  it('reports a malformed file and skips an empty one', () => {
    const bad = parseTestFile('rule_id: 1\ntests:\n  - stages:\n      - input: {port: eighty}\n', 'x.yaml');
    assert.match(bad.problem?.reason ?? '', /port: expected a whole number/);
    assert.match(parseTestFile('rule_id: [1\n', 'x.yaml').problem?.reason ?? '', /unreadable/);
    assert.equal(parseTestFile('# all\n# commented out\n', '2.yaml').empty, true);
  });
});

describe('the judge', () => {
  const line = (id: number, rest = '') => ({ id, phase: 2, line: `ModSecurity: Warning. Matched "x" against variable \`ARGS:testarg' ${rest}[id "${id}"] [msg "m"]` });
  const log: LoggedRule[] = [line(942100), line(949110)];
  const ok = { kind: 'response' as const, status: 200, raw: 'HTTP/1.1 200 OK\r\n\r\nhello' };
  const out = (o: Partial<StageOutput>): StageOutput => ({ log: {}, ...o });

  it('checks expected and unexpected ids among the logged ones', () => {
    assert.ok(judge(out({ log: { expectIds: [942100] } }), ok, log).pass);
    const j = judge(out({ log: { expectIds: [942100, 942101], noExpectIds: [949110, 1] } }), ok, log);
    assert.equal(j.pass, false);
    assert.deepEqual(j.missingIds, [942101]);
    assert.deepEqual(j.unexpectedIds, [949110]);
    assert.deepEqual(j.checks, ['missing-ids', 'unexpected-ids']);
    assert.deepEqual(idsInLog(log), [942100, 949110]);
  });

  it('matches log regexes line by line, in Go syntax', () => {
    assert.ok(judge(out({ log: { matchRegex: 'ARGS:testarg' } }), ok, log).pass);
    assert.ok(judge(out({ log: { matchRegex: '(?i)args:TESTARG.*\\[id "942100"\\]' } }), ok, log).pass);
    assert.ok(!judge(out({ log: { noMatchRegex: '\\[id "\\d+"\\]' } }), ok, log).pass);
    assert.ok(judge(out({ log: { noMatchRegex: '\\[id "\\d+"\\]' } }), ok, []).pass);
    assert.deepEqual(judge(out({ log: { matchRegex: '(?U)a' } }), ok, log).checks, ['harness']);
    assert.throws(() => compileGoRegex('a(?i:b)'), GoRegexError);
    assert.ok(compileGoRegex('x\\z').test('x') && !compileGoRegex('x\\z').test('x\n'));
  });

  it('checks the status (one or any of a list), the response and expect_error', () => {
    assert.ok(judge(out({ status: [200] }), ok, []).pass);
    assert.ok(judge(out({ status: [403, 200] }), ok, []).pass);
    assert.deepEqual(judge(out({ status: [400] }), ok, []).checks, ['status']);
    assert.ok(judge(out({ responseContains: 'hel+o' }), ok, []).pass);
    const error = { kind: 'error' as const, message: 'the server waits' };
    assert.ok(judge(out({ expectError: true }), error, []).pass);
    assert.ok(!judge(out({ expectError: true }), ok, []).pass);
    assert.deepEqual(judge(out({}), error, []).checks, ['error']);
    assert.ok(!judge(out({ isolated: true, log: { expectIds: [942100] } }), ok, log).pass);
  });
});

describe('overrides', () => {
  const o = parseOverrides(
    ['test_overrides:', '  - rule_id: 1', '    test_ids: [2]', '    reason: r1', '    output: {status: 400}', '  - rule_id: 3', '    stage_ids: [1]', '    reason: r2'].join('\n'),
    'o.yaml',
  );

  it('finds the override of a stage; without output it replaces nothing', () => {
    assert.deepEqual(o.find({ ruleId: 1, testId: 2, stageIndex: 0 })?.output?.status, [400]);
    assert.equal(o.find({ ruleId: 1, testId: 3, stageIndex: 0 }), undefined);
    assert.equal(o.find({ ruleId: 3, testId: 9, stageIndex: 1 })?.output, undefined);
    assert.equal(o.find({ ruleId: 3, testId: 9, stageIndex: 0 }), undefined);
  });

  it('wants a reason for every override', () => {
    assert.throws(() => parseOverrides('test_overrides:\n  - rule_id: 1\n', 'o.yaml'), /needs a reason/);
  });
});

describe('a stage through the runner (small rule set)', () => {
  const ruleset = loadRuleSet([
    {
      name: 'mini.conf',
      text: [
        'SecRuleEngine DetectionOnly',
        'SecRequestBodyAccess On',
        `SecRule ARGS "@rx attack" "id:10,phase:2,pass,log,msg:'Attack found',logdata:'%{MATCHED_VAR}',severity:2,tag:'t1'"`,
        'SecRule REQUEST_METHOD "@streq GET" "id:11,phase:1,pass,nolog"',
      ].join('\n'),
    },
  ]);
  const record = (i: Partial<StageInput>, o: StageOutput): StageRecord => ({ file: 'mini.yaml', ruleId: 10, testId: 1, stageIndex: 0, stageCount: 1, input: input(i), output: o });

  it('logs matched rules as ModSecurity does and judges them', () => {
    const runner = new StageRunner(ruleset, { keep: 'all', overrides: parseOverrides('test_overrides: []', 'none') });
    const r = runner.run(
      record({ method: 'POST', uri: '/?q=1', headers: [H('Host', 'localhost')], data: 'testarg=an attack' }, { status: [200], log: { expectIds: [10], noExpectIds: [11], matchRegex: 'against variable `ARGS:testarg' } }),
    );
    assert.equal(r.verdict, 'passed', r.reasons.join('; '));
    assert.deepEqual(r.got.ids, [10]);
    const l = r.log![0]!;
    assert.match(l, /^\[client 127\.0\.0\.1\] ModSecurity: Warning\. Matched "Operator `Rx' with parameter `attack' against variable `ARGS:testarg' \(Value: `an attack' \)/);
    assert.match(l, / \[file "[^"]*mini\.conf"\] \[line "3"\] \[id "10"\] \[rev ""\] \[msg "Attack found"\] \[data "an attack"\] \[severity "2"\] /);
    assert.match(l, /\[tag "t1"\] \[hostname "localhost"\] \[uri "\/"\] \[unique_id "[^"]+"\]/);
  });

  it('answers for the gateway when it refuses, and never lets the WAF see the request', () => {
    const runner = new StageRunner(ruleset);
    const r = runner.run(record({ method: 'G@T', uri: '/?q=attack', headers: [H('Host', 'x')] }, { log: { expectIds: [10] } }));
    assert.equal(r.verdict, 'failed');
    assert.deepEqual(r.classes, ['front-end-refused']);
    assert.equal(r.got.status, 400);
    const lenient = new StageRunner(ruleset, { frontEnd: 'lenient' }).run(record({ method: 'G@T', uri: '/?q=attack', headers: [H('Host', 'x')] }, { log: { expectIds: [10] } }));
    assert.equal(lenient.verdict, 'passed', lenient.reasons.join('; '));
  });

  it('stops a stage that runs over its budget', () => {
    const b = new StageBudget();
    b.start(60_000, 100);
    const rule = ruleset.byId.get(10)!;
    assert.throws(() => {
      for (let i = 0; i < 200; i++) b.check(rule);
    }, (err: unknown) => err instanceof BudgetExceeded && err.kind === 'calls' && err.ruleId === 10);
  });
});

// -------------------------------------------------------------------------------------------------
// The whole suite

const crsDir = defaultCrsDir();
const problem = suiteProblem(crsDir);

// Measured with the whole engine: 5083 passed, 0 failed, 5 overridden of 5088 stages (99.9%).
// The target is 99%.
const PASS_RATE_FLOOR = 0.99;
const PASSED_FLOOR = 5050;
// Each stage may take 5 s here (a generous margin on a shared machine: the slowest takes about
// 0.7 s alone); no stage may be stopped.
const STAGE_BUDGET_MS = 5000;

describe('the CRS regression suite', { skip: problem ? `no CRS: ${problem}` : false }, () => {
  let report: SuiteReport;
  before(async () => {
    report = await runSuiteIsolated({ crsDir, keep: 'none', timeoutMs: 30_000, budgetMs: STAGE_BUDGET_MS });
  });

  it('passes at least the floor', (t) => {
    const s = report.summary;
    // Over every stage of the suite: overridden ones count as not passed.
    const rate = s.passed / s.total;
    t.diagnostic(`CRS regression: ${s.passed} passed, ${s.failed} failed, ${s.overridden} overridden (${(rate * 100).toFixed(1)}%)`);
    assert.ok(s.total > 5000, `only ${s.total} stages found`);
    assert.ok(rate >= PASS_RATE_FLOOR, `pass rate ${(rate * 100).toFixed(1)}% is under the floor ${PASS_RATE_FLOOR * 100}%`);
    assert.ok(s.passed >= PASSED_FLOOR, `${s.passed} passed, under the floor ${PASSED_FLOOR}`);
  });

  it('reads every test file and builds every request', () => {
    const broken = report.results.filter((r) => r.classes.includes('unreadable-test-file') || r.classes.includes('harness'));
    assert.deepEqual(broken.map((r) => `${r.ruleId}-${r.testId}: ${r.reasons.join('; ')}`), []);
  });

  it('has no stage that throws, crashes or hangs the engine', () => {
    const bad = report.results.filter((r) => r.classes.some((c) => c === 'engine-exception' || c === 'engine-crash'));
    assert.deepEqual(bad.map((r) => `${r.ruleId}-${r.testId}: ${r.reasons.join('; ')}`), []);
    const stopped = report.results.filter((r) => r.classes.some((c) => c === 'runaway' || c === 'timeout' || c === 'slow'));
    assert.deepEqual(stopped.map((r) => `${r.ruleId}-${r.testId}: ${r.reasons.join('; ')}`), [], `stages over ${STAGE_BUDGET_MS} ms`);
  });
});
