// The SecLang engine through its public API (loadRuleSet + Transaction): the language as
// ModSecurity reads it, and the rule semantics of ModSecurity v3 that the CRS relies on.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MemoryStore } from '../src/waf/engine/persistence.js';
import { Transaction } from '../src/waf/engine/transaction.js';
import { parseActionList } from '../src/waf/seclang/action-list.js';
import { SecLangErrors } from '../src/waf/seclang/errors.js';
import { readDirectives } from '../src/waf/seclang/lexer.js';
import { loadRuleSet } from '../src/waf/seclang/loader.js';
import { parseVariableList } from '../src/waf/seclang/variable-list.js';
import { tempDir } from './helpers/gateway.js';

function rules(text: string, store = new MemoryStore()) {
  return loadRuleSet([{ text: `SecRuleEngine On\nSecRequestBodyAccess On\n${text}`, name: 'test.conf' }], { store });
}

interface Req {
  uri?: string;
  method?: string;
  headers?: Array<[string, string]>;
  body?: string;
}

function run(set: ReturnType<typeof rules>, r: Req = {}) {
  const tx = new Transaction(set, { remoteAddr: '10.1.2.3', remotePort: 4000, serverAddr: '127.0.0.1', serverPort: 80 });
  tx.processUri(r.uri ?? '/', r.method ?? 'GET', '1.1');
  for (const [k, v] of r.headers ?? [['Host', 'example.com']]) tx.addRequestHeader(k, v);
  const it1 = tx.processRequestHeaders();
  if (r.body !== undefined) tx.appendRequestBody(r.body);
  const it2 = it1 ?? tx.processRequestBody();
  tx.processLogging();
  return { tx, it: it2, ids: tx.matchedRules.map((m) => m.id) };
}

describe('SecLang lexer', () => {
  it('joins continued lines, skips comments, and keeps backslashes except before quotes', () => {
    const d = readDirectives('# a comment\n\nSecRule ARGS \\\n   "@rx a\\"b\\d" \\\n   "id:1,\\\n   phase:2"\n  # indented comment\nSecMarker END', 'x.conf');
    assert.equal(d.length, 2);
    assert.equal(d[0]!.name, 'SecRule');
    assert.deepEqual(d[0]!.args, ['ARGS', '@rx a"b\\d', 'id:1,   phase:2']);
    assert.equal(d[0]!.line, 3);
    assert.equal(d[1]!.line, 8);
  });

  it('reports an unterminated quote with file and line', () => {
    assert.throws(() => readDirectives('SecRuleEngine On\nSecRule ARGS "@rx a', 'bad.conf'), /bad\.conf:2: unterminated double-quoted argument/);
  });

  it('parses action lists with quoted values, escapes and blanks', () => {
    const a = parseActionList("id:1, phase:2,msg:'a, b \\'c\\'',t:none,  setvar:'tx.x=+%{tx.y}',nolog");
    assert.deepEqual(a.map((x) => [x.name, x.value]), [['id', '1'], ['phase', '2'], ['msg', "a, b 'c'"], ['t', 'none'], ['setvar', 'tx.x=+%{tx.y}'], ['nolog', undefined]]);
  });

  it('parses variable lists with selectors, regexes, exclusions, counts and XPath', () => {
    const v = parseVariableList('REQUEST_COOKIES|!REQUEST_COOKIES:/^(?:a|b)__/|&ARGS|tx:foo|XML:/*|ARGS:\'quoted\'');
    assert.deepEqual(v.map((x) => [x.name, x.selector, x.exclusion, x.count]), [
      ['REQUEST_COOKIES', undefined, false, false],
      ['REQUEST_COOKIES', { kind: 'regex', source: '^(?:a|b)__' }, true, false],
      ['ARGS', undefined, false, true],
      ['TX', { kind: 'key', key: 'foo', lower: 'foo' }, false, false],
      ['XML', { kind: 'xpath', expression: '/*' }, false, false],
      ['ARGS', { kind: 'key', key: 'quoted', lower: 'quoted' }, false, false],
    ]);
  });
});

describe('rule set loading', () => {
  it('reports every problem with file and line, and never returns a partial rule set', () => {
    try {
      rules('SecRule ARGS "@rx (" "id:1,phase:2,deny"\nSecRule ARGS "@rx a" "phase:2,deny"\nSecRule ARGS "@rx a" "id:3,phase:9"\nSecBogus x\nSecRule ARGS "@rx a" "id:4,chain"');
      assert.fail('expected errors');
    } catch (err) {
      assert.ok(err instanceof SecLangErrors);
      const text = err.message;
      assert.match(text, /test\.conf:3: @rx: /);
      assert.match(text, /test\.conf:4: rules must have an id/);
      assert.match(text, /test\.conf:5: phase: phase must be 1-5, request, response or logging, not "9"/);
      assert.match(text, /test\.conf:6: unknown directive "SecBogus"/);
      assert.match(text, /test\.conf:7: the last rule ends with "chain"/);
    }
  });

  it('follows Include with globs relative to the including file, and refuses include loops', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'rules'));
    writeFileSync(path.join(dir, 'rules', 'b.conf'), 'SecRule ARGS "@rx b" "id:20,phase:2,deny"\n');
    writeFileSync(path.join(dir, 'rules', 'a.conf'), 'SecRule ARGS "@rx a" "id:10,phase:2,deny"\n');
    writeFileSync(path.join(dir, 'rules', 'skip.txt'), 'garbage\n');
    writeFileSync(path.join(dir, 'main.conf'), 'Include rules/*.conf\nIncludeOptional none/*.conf\n');
    const set = loadRuleSet([{ file: path.join(dir, 'main.conf') }]);
    assert.deepEqual([...set.rules()].map((r) => r.id), [10, 20]);
    writeFileSync(path.join(dir, 'loop.conf'), 'Include loop.conf\n');
    assert.throws(() => loadRuleSet([{ file: path.join(dir, 'loop.conf') }]), /Include loop/);
  });
});

describe('rule semantics', () => {
  it('chains match only when every link matches; the head decides and logs', () => {
    const set = rules(`SecRule ARGS:a "@streq 1" "id:1,phase:2,deny,status:418,msg:'both',chain"
  SecRule ARGS:b "@streq 2" "t:none"`);
    assert.equal(run(set, { uri: '/?a=1&b=3' }).it, undefined);
    const r = run(set, { uri: '/?a=1&b=2' });
    assert.deepEqual(r.it && { id: r.it.ruleId, status: r.it.status }, { id: 1, status: 418 });
    assert.equal(r.tx.matchedRules[0]!.message, 'both');
  });

  it('reads MATCHED_VARS in a chained rule without feeding on its own matches', () => {
    const set = rules(`SecRule ARGS "@rx run" "id:1,phase:2,deny,chain"
  SecRule MATCHED_VARS "@rx java" "t:none"`);
    const r = run(set, { uri: '/?a=runtime+java&b=run' });
    assert.equal(r.it?.ruleId, 1);
    assert.deepEqual(r.tx.matchedRules[0]!.matched.map((m) => m.name), ['ARGS:a', 'ARGS:b', 'MATCHED_VARS:ARGS:a']);
  });

  it('runs setvar for every matched value (as ModSecurity v3) and does integer arithmetic', () => {
    const set = rules(`SecAction "id:1,phase:1,pass,nolog,setvar:tx.score=10,setvar:tx.text=abc"
SecRule ARGS "@rx x" "id:2,phase:2,pass,setvar:tx.score=+5,setvar:tx.text=-2"
SecRule TX:score "@eq 20" "id:3,phase:2,pass,setvar:!tx.gone,setvar:tx.flag"`);
    const r = run(set, { uri: '/?a=x&b=xx&c=no' });
    assert.equal(r.tx.tx.get('score'), '20');
    assert.equal(r.tx.tx.get('text'), '-4', 'non-numbers count as 0, and both matches subtract');
    assert.equal(r.tx.tx.get('flag'), '1');
    assert.ok(r.ids.includes(3));
  });

  it('expands macros in messages, setvar names and operator parameters', () => {
    const set = rules(`SecAction "id:1,phase:1,pass,nolog,setvar:tx.limit=3"
SecRule ARGS:n "@gt %{tx.limit}" "id:2,phase:2,pass,msg:'too many: %{MATCHED_VAR} in %{MATCHED_VAR_NAME}',setvar:'tx.%{rule.id}-hit=%{matched_var}'"`);
    const r = run(set, { uri: '/?n=7' });
    const m = r.tx.matchedRules.find((x) => x.id === 2)!;
    assert.equal(m.message, 'too many: 7 in ARGS:n');
    assert.equal(r.tx.tx.get('2-hit'), '7');
    assert.ok(!run(set, { uri: '/?n=2' }).ids.includes(2));
  });

  it('honours exclusions, counting and key regexes', () => {
    const set = rules(`SecRule ARGS|!ARGS:safe|!ARGS:/^ok_/ "@rx bad" "id:1,phase:2,deny"
SecRule &ARGS:needed "@eq 0" "id:2,phase:2,pass,log"
SecRule REQUEST_HEADERS:/^x-cust/ "@rx ." "id:3,phase:1,pass,log"`);
    assert.equal(run(set, { uri: '/?safe=bad&ok_1=bad&needed=1' }).it, undefined);
    assert.equal(run(set, { uri: '/?other=bad' }).it?.ruleId, 1);
    assert.ok(run(set, { uri: '/?x=1' }).ids.includes(2));
    assert.ok(run(set, { headers: [['Host', 'h'], ['X-Custom-A', 'v']] }).ids.includes(3));
  });

  it('skips with skip, skipAfter and markers, and only when the rule matched', () => {
    const set = rules(`SecRule ARGS:go "@streq skip" "id:1,phase:2,pass,log,skip:1"
SecRule ARGS "@rx ." "id:2,phase:2,pass,log"
SecRule ARGS:go "@streq jump" "id:3,phase:2,pass,log,skipAfter:END"
SecRule ARGS "@rx ." "id:4,phase:2,pass,log"
SecMarker END
SecRule ARGS "@rx ." "id:5,phase:2,pass,log"`);
    assert.deepEqual(run(set, { uri: '/?go=skip' }).ids, [1, 4, 5]);
    assert.deepEqual(run(set, { uri: '/?go=jump' }).ids, [2, 3, 5]);
    assert.deepEqual(run(set, { uri: '/?go=none' }).ids, [2, 4, 5]);
  });

  it('records the rules that matched and log, or interrupted, and not the nolog ones', () => {
    const set = rules(`SecRule ARGS "@rx a" "id:1,phase:2,pass,nolog,setvar:tx.seen=1"
SecRule ARGS "@rx a" "id:2,phase:2,pass,log"
SecRule TX:seen "@eq 1" "id:3,phase:2,deny,nolog"`);
    const r = run(set, { uri: '/?q=a' });
    assert.deepEqual(r.ids, [2, 3]);
    assert.equal(r.it?.ruleId, 3);
    assert.equal(r.tx.matchedRules.find((m) => m.id === 3)?.logged, false);
  });

  it('applies ctl changes to this transaction only', () => {
    const set = rules(`SecRule REQUEST_URI "@beginsWith /internal" "id:1,phase:1,pass,nolog,ctl:ruleRemoveById=10,ctl:ruleRemoveTargetById=11;ARGS:token"
SecRule ARGS "@rx evil" "id:10,phase:2,deny"
SecRule ARGS "@rx secret" "id:11,phase:2,deny"`);
    assert.equal(run(set, { uri: '/internal?a=evil&token=secret' }).it, undefined);
    assert.equal(run(set, { uri: '/internal?a=secret' }).it?.ruleId, 11);
    assert.equal(run(set, { uri: '/public?a=evil' }).it?.ruleId, 10);
  });

  it('records matches without interrupting in DetectionOnly, and allow stops the rest', () => {
    const det = loadRuleSet([{ text: 'SecRuleEngine DetectionOnly\nSecRule ARGS "@rx x" "id:1,phase:1,deny,log"', name: 'd.conf' }]);
    const r = run(det, { uri: '/?a=x' });
    assert.equal(r.it, undefined);
    assert.deepEqual(r.ids, [1]);
    const allow = rules(`SecRule REMOTE_ADDR "@streq 10.1.2.3" "id:1,phase:1,allow,nolog"
SecRule ARGS "@rx x" "id:2,phase:2,deny"`);
    assert.equal(run(allow, { uri: '/?a=x' }).it, undefined);
  });

  it('puts captures in TX:0..9 with the capture action', () => {
    const set = rules(`SecRule ARGS:v "@rx ^(\\w+)-(\\d+)$" "id:1,phase:2,pass,capture,setvar:tx.name=%{tx.1},setvar:tx.num=%{tx.2}"`);
    const r = run(set, { uri: '/?v=abc-42' });
    assert.equal(r.tx.tx.get('name'), 'abc');
    assert.equal(r.tx.tx.get('num'), '42');
    assert.equal(r.tx.tx.get('0'), 'abc-42');
  });

  it('derives the request variables as ModSecurity does', () => {
    const set = rules(`SecAction "id:1,phase:1,pass,nolog"`);
    const { tx } = run(set, { uri: '/a%2Fb/c%41t.php?x=1+2&y=%3Cz#frag', headers: [['Host', 'h.example:8080'], ['Cookie', 'a=1; b=2=3;  ;c'], ['Authorization', 'Bearer abc']] });
    assert.equal(tx.requestUri, '/a/b/cAt.php?x=1+2&y=<z');
    assert.equal(tx.uriRaw, '/a%2Fb/c%41t.php?x=1+2&y=%3Cz#frag');
    assert.equal(tx.requestFilename, '/a/b/cAt.php');
    assert.equal(tx.requestBasename, 'cAt.php');
    assert.equal(tx.queryString, 'x=1+2&y=%3Cz');
    assert.deepEqual(tx.args.map((e) => [e.key, e.value]), [['x', '1 2'], ['y', '<z']]);
    assert.deepEqual(tx.requestCookies.map((e) => [e.key, e.value]), [['a', '1'], ['b', '2=3'], ['c', '']]);
    assert.equal(tx.serverName, 'h.example');
    assert.equal(tx.authType, 'Bearer');
    assert.equal(tx.requestLine, 'GET /a%2Fb/c%41t.php?x=1+2&y=%3Cz#frag HTTP/1.1');
  });

  it('keeps IP collections between transactions (initcol)', () => {
    const store = new MemoryStore();
    // initcol runs after the rule matched, so the counting is in a rule of its own (as in the CRS).
    const set = rules(`SecAction "id:1,phase:1,pass,nolog,initcol:ip=%{REMOTE_ADDR}"
SecAction "id:2,phase:1,pass,nolog,setvar:ip.hits=+1"
SecRule IP:hits "@gt 2" "id:3,phase:1,deny"`, store);
    assert.equal(run(set).it, undefined);
    assert.equal(run(set).it, undefined);
    assert.equal(run(set).it?.ruleId, 3);
  });

  it('stops at the inspection budget and, fail-closed, denies', () => {
    const many = Array.from({ length: 200 }, (_, i) => `SecRule ARGS "@rx (a|aa)+$" "id:${100 + i},phase:2,pass,nolog"`).join('\n');
    const set = rules(many);
    const tx = new Transaction(set, { budgetMs: 0.001 });
    tx.processUri(`/?v=${'a'.repeat(2000)}`, 'GET', '1.1');
    tx.processRequestHeaders();
    const it = tx.processRequestBody();
    assert.equal(tx.budgetExceeded, true);
    assert.equal(it?.reason, 'inspection time budget exceeded');
  });
});

describe('values remembered across transactions (engine/value-memory.ts)', () => {
  const text = `SecRule ARGS "@rx ^(a+)$" "id:1,phase:2,pass,log,capture,setvar:tx.run=%{tx.1},t:none,t:lowercase"
SecRule ARGS "!@rx evil" "id:2,phase:2,pass,log,t:none"
SecRule ARGS|REQUEST_HEADERS:User-Agent "@detectSQLi" "id:3,phase:2,pass,log,t:none,t:urlDecodeUni"
SecRule REQUEST_HEADERS:User-Agent "@pm curl wget" "id:4,phase:1,deny,status:403,t:none,t:lowercase"`;
  const on = rules(text);
  const off = loadRuleSet([{ text: `SecRuleEngine On\nSecRequestBodyAccess On\n${text}`, name: 'test.conf' }], { valueMemory: false });
  const seen = (set: ReturnType<typeof rules>, uri: string, ua: string) => {
    const { tx, it } = run(set, { uri, headers: [['Host', 'example.com'], ['User-Agent', ua]] });
    return JSON.stringify({ it: it?.ruleId, run: tx.tx.get('run'), m: tx.matchedRules.map((m) => `${m.id}:${m.matched.map((v) => `${v.name}=${v.value}`).join(',')}`) });
  };

  it('decides exactly as without it, the second time a value comes as the first', () => {
    assert.ok(on.values && !off.values);
    const cases: Array<[string, string]> = [
      ['/?x=AAA&y=hello', 'Mozilla/5.0'],
      ['/?x=AAA&y=evil', 'Mozilla/5.0'],
      ['/?x=1%27%20or%201%3D1--&y=aa', 'Mozilla/5.0'],
      ['/?x=hello', 'curl/8.1'],
      ['/?x=aaaa&y=1%27%20or%201%3D1--', "1' or 1=1--"],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [uri, ua] of cases) assert.equal(seen(on, uri, ua), seen(off, uri, ua), `round ${round}: ${uri} ${ua}`);
    }
    // A remembered miss of rule 1 on "hello" does not stop it from capturing on "aaa".
    assert.match(seen(on, '/?x=hello&y=aaa', 'Mozilla/5.0'), /"run":"aaa"/);
  });

  it('stays bounded whatever the number of distinct values', () => {
    const set = rules(text);
    for (let i = 0; i < 3000; i++) run(set, { uri: `/?v${i}=${i}x${i}&w=${i * 7}` });
    const memory = set.values!;
    assert.ok(memory.size <= 2 * memory.capacity, `${memory.size} rows kept`);
    assert.ok(memory.size >= memory.capacity, 'short values are kept');
    const long = 'z'.repeat(300);
    run(set, { uri: `/?long=${long}&short=${'z'.repeat(256)}` });
    assert.ok(!memory.has(long), 'a value over 256 bytes is not kept');
    assert.ok(memory.has('z'.repeat(256)));
  });
});

describe('constant folding (engine/constant-folding.ts)', () => {
  const load = (text: string, constantFolding: boolean, hostTxKeys: string[] = []) =>
    loadRuleSet([{ text: `SecRuleEngine On\nSecRequestBodyAccess On\nSecDefaultAction "phase:1,log,auditlog,pass"\nSecDefaultAction "phase:2,log,auditlog,pass"\n${text}`, name: 'fold.conf' }], { constantFolding, hostTxKeys });
  const outcome = (set: ReturnType<typeof rules>, uri: string, preset?: [string, string]) => {
    const tx = new Transaction(set, {});
    if (preset) tx.tx.set(preset[0], preset[1]);
    tx.processUri(uri, 'GET', '1.1');
    tx.addRequestHeader('Host', 'example.com');
    if (!tx.processRequestHeaders()) tx.processRequestBody();
    tx.processLogging();
    const members = tx.tx.entries().map((e) => `${e.key}=${e.value}`).sort();
    return JSON.stringify({ it: tx.interruption?.ruleId, ids: tx.matchedRules.map((m) => m.id), members });
  };
  const same = (text: string, uris: string[], hostTxKeys: string[] = []) => {
    const on = load(text, true, hostTxKeys);
    const off = load(text, false);
    for (const uri of uris) assert.equal(outcome(on, uri), outcome(off, uri), uri);
    return on;
  };

  it('works out set-up defaults and paranoia-level checks once, leaving out what they skip', () => {
    const set = same(`SecAction "id:900000,phase:1,pass,nolog,setvar:tx.blocking_paranoia_level=1"
SecAction "id:901200,phase:1,pass,nolog,setvar:tx.score=0"
SecRule &TX:blocking_paranoia_level "@eq 0" "id:901120,phase:1,pass,nolog,setvar:tx.blocking_paranoia_level=1"
SecRule &TX:detection_paranoia_level "@eq 0" "id:901125,phase:1,pass,nolog,setvar:tx.detection_paranoia_level=%{TX.blocking_paranoia_level}"
SecRule &TX:allowed "@eq 0" "id:901160,phase:1,pass,nolog,setvar:'tx.allowed=GET HEAD'"
SecRule TX:DETECTION_PARANOIA_LEVEL "@lt 1" "id:911011,phase:1,pass,nolog,skipAfter:END-911"
SecRule REQUEST_METHOD "!@within %{tx.allowed}" "id:911100,phase:1,block,msg:'method',setvar:tx.score=+5"
SecRule TX:DETECTION_PARANOIA_LEVEL "@lt 2" "id:911013,phase:1,pass,nolog,skipAfter:END-911"
SecRule ARGS "@rx pl2" "id:911200,phase:1,block,msg:'paranoid',setvar:tx.score=+5"
SecMarker "END-911"
SecRule TX:DETECTION_PARANOIA_LEVEL "@lt 2" "id:942013,phase:2,pass,nolog,skipAfter:END-942"
SecRule ARGS "@rx pl2" "id:942200,phase:2,block,msg:'paranoid',setvar:tx.score=+5"
SecMarker "END-942"
SecRule ARGS "@rx attack" "id:942100,phase:2,block,msg:'attack',setvar:tx.score=+5"
SecRule TX:DETECTION_PARANOIA_LEVEL "@ge 2" "id:949053,phase:2,pass,nolog,chain"
  SecRule TX:score "@ge 1" "setvar:tx.pl2_seen=1"
SecRule TX:score "@ge 5" "id:949110,phase:2,deny,status:403,msg:'score %{tx.score}'"`, ['/', '/?a=attack', '/?a=pl2', '/?a=pl2+attack']);
    assert.ok(set.folded, 'something folds');
    // The score's initial 0 folds although detection rules add to it later; the chained rule
    // whose head never matches at paranoia 1 is left out.
    assert.equal(set.folded.folded, 9);
    assert.equal(set.folded.dead, 2, 'the rules above paranoia level 1 are left out');
    assert.match(outcome(set, '/?a=attack'), /"it":949110/);
  });

  it('does not count on TX members the host set, declared or not', () => {
    const text = `SecRule &TX:preset "@eq 0" "id:1,phase:1,pass,nolog,setvar:tx.flag=absent"
SecRule TX:flag "@streq absent" "id:2,phase:1,deny,status:403,chain"
  SecRule REQUEST_METHOD "@streq GET" "t:none"`;
    const off = load(text, false);
    for (const hostKeys of [[], ['preset']]) {
      const on = load(text, true, hostKeys);
      if (hostKeys.length === 0) assert.equal(on.folded?.folded, 1, 'rule 1 folds when the host is not said to set TX:preset');
      assert.equal(outcome(on, '/', ['preset', '1']), outcome(off, '/', ['preset', '1']), `host keys ${hostKeys.join()}`);
      assert.equal(outcome(on, '/'), outcome(off, '/'));
    }
    assert.doesNotMatch(outcome(off, '/', ['preset', '1']), /"it":/, 'with TX:preset set, nothing denies');
  });

  it('does not fold what a rule of the request may skip or take out', () => {
    for (const text of [
      `SecRule ARGS:skip "@streq 1" "id:10,phase:1,pass,nolog,skipAfter:END"
SecAction "id:11,phase:1,pass,nolog,setvar:tx.v=1"
SecMarker "END"
SecRule TX:v "@eq 1" "id:12,phase:1,deny,status:403"`,
      `SecRule ARGS:off "@streq 1" "id:20,phase:1,pass,nolog,ctl:ruleRemoveById=21"
SecAction "id:21,phase:1,pass,nolog,setvar:tx.w=1"
SecRule TX:w "@eq 1" "id:22,phase:1,deny,status:403"`,
      `SecRule ARGS:a "@streq 1" "id:40,phase:1,pass,nolog,setvar:tx.s=+1"
SecAction "id:41,phase:1,pass,nolog,setvar:tx.s=0"
SecRule TX:s "@eq 0" "id:42,phase:1,deny,status:403"`,
      `SecRule ARGS:v "@rx ^(\\d+)$" "id:30,phase:1,pass,nolog,capture,setvar:tx.v=%{tx.1}"
SecAction "id:31,phase:1,pass,nolog,setvar:tx.v=1"
SecRule TX:v "@eq 1" "id:32,phase:1,deny,status:403"`,
    ]) {
      same(text, ['/', '/?skip=1', '/?off=1', '/?v=7', '/?a=1']);
    }
  });
});
