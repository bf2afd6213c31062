// PCRE → V8 translation (src/waf/regex): each feature with inputs that tell a right translation
// from a wrong one, what is refused, and every @rx pattern of the OWASP CRS, compiled and run
// against adversarial inputs of 8 KB with V8's backtracking safety net on.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PcreNode } from '../src/waf/regex/pcre-ast.js';
import { parsePcre } from '../src/waf/regex/pcre-parser.js';
import { PcreMatcher } from '../src/waf/regex/pcre-matcher.js';
import { compilePcre, enableRegexSafetyNet, PcreError, translatePcre } from '../src/waf/regex/pcre.js';
import { compileKeyPattern } from '../src/waf/regex/key-pattern.js';

// Before any pattern of this file is executed: the limit is read when V8 compiles a regex.
enableRegexSafetyNet();

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.PORTCULLIS_SHARED ?? path.resolve(repoRoot, '../shared');
const crsRules = path.join(shared, 'crs', 'rules');

/** Byte string of the UTF-8 encoding of `text`. */
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** Match results of both compiled forms, which must agree: [whole match, groups...] or null. */
function run(pattern: string, input: string, options: { caseless?: boolean } = {}): Array<string | undefined> | null {
  const exact = compilePcre(pattern, options).exec(input);
  const fast = new PcreMatcher(pattern, options).exec(input);
  const a = exact === null ? null : Array.from(exact);
  const b = fast === null ? null : Array.from(fast);
  assert.deepEqual(b, a, `the two forms of ${JSON.stringify(pattern)} disagree on ${JSON.stringify(input)}`);
  if (exact !== null && fast !== null) assert.equal(fast.index, exact.index);
  return a;
}
const matches = (pattern: string, input: string, options: { caseless?: boolean } = {}): boolean => run(pattern, input, options) !== null;
const refused = (pattern: string, message: RegExp): void => {
  assert.throws(() => compilePcre(pattern), (e: unknown) => e instanceof PcreError && message.test(e.message), pattern);
  assert.throws(() => new PcreMatcher(pattern), PcreError, pattern);
};

describe('PCRE options as libmodsecurity sets them', () => {
  it('dot matches newlines (DOTALL), ^ and $ work per line (MULTILINE)', () => {
    assert.ok(matches('a.b', 'a\nb'));
    assert.ok(matches('^b', 'a\nb'));
    assert.ok(matches('a$', 'a\nb'));
    assert.ok(!matches('(?-s)a.b', 'a\nb'));
    assert.ok(!matches('(?-m)^b', 'a\nb'));
  });
  it('breaks lines at \\n only, never at a lone \\r (V8\'s m flag would)', () => {
    assert.ok(new RegExp('^b', 'm').test('a\rb'), 'premise: V8 breaks at \\r');
    assert.ok(!matches('^b', 'a\rb'));
    assert.ok(!matches('a$', 'a\rb'));
    assert.ok(matches('a\\r$', 'a\r\nb'));
    assert.deepEqual(run('^(\\w+)\\r$', 'x\nab\r\n'), ['ab\r', 'ab']);
  });
  it('multiline ^ does not match after a \\n that ends the subject', () => {
    assert.ok(!matches('^$', 'abc\n'));
    assert.ok(matches('^$', 'abc\n\n'));
    assert.ok(matches('^$', ''));
    assert.ok(!matches('^0?$', '12\n'));
    assert.ok(matches('^0?$', '12\n0'));
    assert.ok(!matches('\\n^', 'a\n'));
  });
  it('\\A, \\z, \\Z and $ outside multiline mode', () => {
    assert.ok(!matches('\\Ab', 'a\nb'));
    assert.ok(matches('\\Aa', 'a\nb'));
    assert.ok(!matches('a\\z', 'a\n'));
    assert.ok(matches('a\\Z', 'a\n'));
    assert.ok(!matches('a\\Z', 'a\nb'));
    assert.ok(matches('(?-m)a$', 'a\n'));
    assert.ok(!matches('(?-m)a$', 'a\nb'));
    assert.ok(matches('^x\\z', 'a\nx'), 'multiline ^ with \\z');
  });
  it('an empty pattern means .* (the whole value is the match)', () => {
    assert.deepEqual(run('', 'abc'), ['abc']);
  });
});

describe('case-insensitivity', () => {
  it('leading (?i) and (?is), and the caseless option', () => {
    assert.ok(matches('(?i)select', 'SeLeCt'));
    assert.ok(matches('(?is)a.b', 'A\nB'));
    assert.ok(matches('select', 'SELECT', { caseless: true }));
    assert.ok(!matches('select', 'SELECT'));
  });
  it('scoped (?i:...) reaches its group only', () => {
    assert.ok(matches('^(?i:file|ftps?)x', 'FTPSx'));
    assert.ok(!matches('^(?i:file|ftps?)x', 'FTPSX'));
    assert.ok(matches('(?i:<META[\\s/+].*?charset[\\s/+]*=)', '<meta CHARSET='));
  });
  it('mid-pattern (?i) reaches the end of its group, across its alternatives', () => {
    assert.ok(matches('^(?i)up', 'UP'));
    assert.ok(matches('a(?i)b', 'aB'));
    assert.ok(!matches('a(?i)b', 'AB'));
    assert.ok(matches('(a(?i)b|c)', 'C'));
    assert.ok(!matches('(a(?i)b)c', 'aBC'));
    assert.ok(!matches('(?i)a(?-i)b', 'AB'));
    assert.ok(matches('(?i)a(?-i)b', 'Ab'));
  });
  it('folds classes and ranges, not escapes-with-meaning, and only ASCII letters', () => {
    assert.ok(matches('(?i)[a-c]', 'B'));
    assert.ok(!matches('(?i)[^a-c]', 'B'), 'negation after folding, as PCRE');
    assert.ok(matches('(?i)[[:lower:]]', 'Q'), 'caseless [:lower:] is [:alpha:]');
    assert.ok(!matches('(?i)[[:^lower:]]', 'Q'));
    assert.ok(matches('(?i)\\x41', 'a'));
    assert.ok(new RegExp('\\xe9', 'i').test('\xc9'), 'premise: V8 folds Latin-1');
    assert.ok(!matches('(?i)\\xe9', '\xc9'), 'PCRE in the C locale does not');
    assert.ok(!matches('(?i)[\\xe0-\\xef]', '\xc9'));
    assert.ok(matches('(?i)caf\\xc3\\xa9', utf8('CAFé')));
    assert.equal(translatePcre('(?i)ab').flags.includes('i'), false, 'never the i flag');
  });
});

describe('escapes and classes', () => {
  it('\\s is PCRE\'s [\\t\\n\\v\\f\\r ]: no 0xA0 (a UTF-8 continuation byte)', () => {
    assert.ok(/\s/.test('\xa0'), 'premise: V8\'s \\s takes 0xA0');
    assert.ok(!matches('\\s', '\xa0'));
    assert.ok(!matches('[\\s]', utf8('\u00a0')));
    assert.ok(matches('\\S', '\xa0'));
    assert.ok(matches('[^\\s]', '\xa0'));
    assert.ok(matches('\\s', '\x0b'), 'VT is a space since PCRE 8.34');
    assert.ok(!matches('[^\\s\\d]', ' 1\t'));
  });
  it('\\w \\d \\b work on ASCII only; bytes >= 0x80 are not word characters', () => {
    assert.ok(!matches('\\w', '\xe9'));
    assert.ok(matches('\\bx\\b', '\xe9x\xe9'));
    assert.ok(!matches('\\d', '\xb2'));
  });
  it('\\h \\v \\R \\N in 8-bit mode', () => {
    assert.ok(matches('\\h', '\xa0'), '\\h does take 0xA0');
    assert.ok(!matches('\\h', '\n'));
    assert.ok(matches('\\v', '\x85'));
    assert.deepEqual(run('a\\Rb', 'a\r\nb'), ['a\r\nb']);
    assert.ok(matches('a\\Rb', 'a\x0bb'));
    assert.ok(!matches('a\\Nb', 'a\nb'));
  });
  it('hexadecimal, octal and control escapes', () => {
    assert.ok(matches('\\x{5c}', '\\'));
    assert.ok(matches('\\x{0000041}', 'A'));
    assert.ok(matches('[\\x{30}-\\x{39}]', '5'));
    assert.ok(matches('\\x41\\x4', 'A\x04'));
    assert.ok(matches('a\\x', 'a\0'));
    assert.ok(matches('\\012', '\n'));
    assert.ok(matches('\\0', '\0'));
    assert.ok(matches('\\o{101}', 'A'));
    assert.ok(matches('\\cA\\e\\a\\f', '\x01\x1b\x07\x0c'));
    assert.ok(matches('(a)\\11', 'a\t'), '\\11 with one group is octal');
    assert.ok(matches('[\\1]', '\x01'), 'octal inside a class');
    assert.ok(matches('[\\b]', '\x08'), '\\b is backspace inside a class');
  });
  it('raw UTF-8 byte sequences match the bytes of the value', () => {
    assert.ok(matches('\\xc3\\xa9', utf8('café')));
    assert.ok(matches('[\\xc0-\\xff][\\x80-\\xbf]', utf8('é')));
    assert.deepEqual(run('(\\xe2\\x80[\\x8b-\\x8f])', utf8('a\u200bb')), [utf8('\u200b'), utf8('\u200b')]);
  });
  it('POSIX classes inside brackets, refused outside', () => {
    assert.ok(matches('^[[:alpha:]_]+$', 'ab_C'));
    assert.ok(!matches('^[[:alpha:]]+$', 'ab1'));
    assert.ok(matches('[[:^digit:]]', 'x'));
    assert.ok(!matches('[[:space:]]', '\xa0'));
    assert.ok(matches('[[:punct:]]', '~'));
    assert.ok(!matches('[[:punct:]]', 'a'));
    assert.ok(matches('[[:xdigit:]]{2}', 'fA'));
    refused('[[:alfa:]]', /unknown POSIX class name "alfa"/);
    refused('[:alpha:]', /only within a class/);
    refused('[[.a.]]', /collating/);
  });
  it('PCRE class syntax: ] first is literal, ranges, escapes in ranges', () => {
    assert.ok(matches('[]a]', ']'));
    assert.ok(matches('[^]a]', 'b'));
    assert.ok(!matches('[^]a]', ']'));
    assert.ok(matches('[a-]', '-'));
    assert.ok(matches('[\\]]', ']'));
    assert.ok(matches('[\\x00-\\x1f]', '\x1f'));
    assert.ok(matches('[%-\\x2f]', '.'));
    assert.ok(matches('[\\Q]-\\E]', '-'), '\\Q...\\E inside a class');
    refused('[z-a]', /range out of order/);
    refused('[a-\\d]', /invalid range/);
    refused('[abc', /missing terminating \]/);
  });
  it('\\Q...\\E quotes, and a quantifier after \\E applies to the last byte', () => {
    assert.ok(matches('\\Qa.b*\\E', 'a.b*'));
    assert.ok(!matches('\\Qa.b\\E', 'axb'));
    assert.deepEqual(run('\\Qab\\E+', 'abbb'), ['abbb']);
    assert.ok(matches('\\Qa(b', 'a(b'), 'unterminated \\Q runs to the end');
  });
  it('literal braces where they are no quantifier (PCRE2 10.42)', () => {
    assert.ok(matches('a{,3}', 'a{,3}'));
    assert.ok(matches('a{', 'a{'));
    assert.ok(matches('x{1', 'x{1'));
    assert.ok(matches('^a{2}$', 'aa'));
    assert.ok(matches('^a{2,}$', 'aaaa'));
    assert.ok(!matches('^a{2,3}$', 'aaaa'));
  });
  it('the x option drops whitespace and # comments outside classes', () => {
    assert.ok(matches('(?x) a b # comment\n c [ ]', 'abc '));
    assert.ok(!matches('(?x) a b', 'a b'));
  });
});

describe('groups and references', () => {
  it('numbers groups as PCRE does, named ones included', () => {
    assert.deepEqual(run('(a)(?:b)(?<n>c)(?P<m>d)(?\'o\'e)', 'abcde'), ['abcde', 'a', 'c', 'd', 'e']);
    assert.deepEqual(run('(?n)(a)(?<x>b)', 'ab'), ['ab', 'b'], '(?n): only named groups capture');
  });
  it('back references by number and name', () => {
    assert.ok(matches('(["\'])x\\1', '"x"'));
    assert.ok(!matches('(["\'])x\\1', '"x\''));
    assert.ok(matches('(?<q>a)\\k<q>\\k{q}\\k\'q\'(?P=q)', 'aaaaa'));
    assert.ok(matches('(a)(b)\\g{1}\\g-1\\g{-2}', 'ababa'));
    assert.ok(matches('(a)\\1 0', 'aa 0'), 'a digit after a reference stays literal');
    refused('(a)\\2', /reference to group 2/);
    refused('\\k<nope>', /does not exist/);
    refused('(?i)(a)\\1', /case-insensitive/);
    refused('(?<a>x)(?<a>y)', /same name/);
  });
  it('lookaround passes through', () => {
    assert.ok(matches('a(?=b)', 'ab'));
    assert.ok(!matches('a(?!b)', 'ab'));
    assert.ok(matches('(?<=a)b', 'ab'));
    assert.ok(!matches('(?<!a)b', 'ab'));
  });
  it('possessive quantifiers and atomic groups only where they cannot change the match', () => {
    assert.ok(matches('^a++b', 'aab'));
    assert.ok(matches('^[0-9]*+x', '12x'));
    assert.ok(matches('a*+$', 'aa'));
    assert.ok(matches('x(?>ab|a)', 'xab'));
    refused('a++a', /possessive/);
    refused('(?:ab)++', /possessive/);
    refused('(?>a|ab)c', /atomic/);
  });
  it('refuses what V8 cannot express, with the construct named', () => {
    refused('(*UTF)a', /verbs/);
    refused('(?|(a)|(b))', /branch reset/);
    refused('(a)(?1)', /recursion/);
    refused('(?R)', /recursion/);
    refused('(?(1)a|b)', /conditional/);
    refused('\\p{L}', /Unicode/);
    refused('\\Ga', /\\G/);
    refused('a\\Kb', /\\K/);
    refused('(?J)(?<a>x)', /J option/);
    refused('\\x{100}', /too large/);
    refused('\\q', /unrecognized character follows/);
    refused('(?z)', /unrecognized character/);
  });
  it('reports syntax errors with their offset', () => {
    refused('a)', /unmatched closing parenthesis at offset 1/);
    refused('(a', /missing closing parenthesis/);
    refused('*a', /quantifier does not follow a repeatable item at offset 0/);
    refused('a**', /quantifier does not follow/);
    refused('^*', /assertion/);
    refused('a{3,2}', /out of order/);
    refused('a{70000}', /too big/);
    refused('a\\', /at end of pattern/);
  });
});

describe('run-start anchoring', () => {
  // The translation without it: the global form skips it, and its first match is the reference.
  const unanchored = (pattern: string) => {
    const t = translatePcre(pattern, { global: true });
    return new RegExp(t.source, t.flags);
  };
  const first = (re: RegExp, s: string) => {
    re.lastIndex = 0;
    const m = re.exec(s);
    return m && { index: m.index, groups: [...m] };
  };

  it('finds the same first match and captures, on random subjects', () => {
    const patterns = [String.raw`[a-z]+(\d)`, String.raw`[\-0-9_a-z]+(?:["'][^"']+["']|\$+[a-z]+)[0-9a-z]+`, String.raw`\w+=(x|y)`, String.raw`[ab]*c(x|y)|\d+(z)`, String.raw`\d*?\.(\d+)`];
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const alphabet = 'ab1c2$"\'=.xy_- ';
    for (const p of patterns) {
      assert.notEqual(translatePcre(p).source, translatePcre(p, { global: true }).source, `${p} is run-start anchored`);
      const a = compilePcre(p);
      const b = unanchored(p);
      for (let i = 0; i < 3000; i++) {
        let s = '';
        for (let k = rnd(40); k > 0; k--) s += alphabet[rnd(alphabet.length)];
        assert.deepEqual(first(a, s), first(b, s), `${p} on ${JSON.stringify(s)}`);
      }
    }
  });

  it('makes a long run of the leading set linear (CRS 932240 on 64 KB)', () => {
    const p = '(?i)[\\-0-9_a-z]+(?:[\\s\\x0b]*["\'][^\\s\\x0b"\',:]+["\']|(?:["\']["\']+|[\\[-\\]]+|\\$+[!#\\*\\-0-9\\?@\\x5c_a-\\{]+|``|[\\$<>]\\(\\))[\\s\\x0b]*)[\\-0-9_a-z]+';
    const m = new PcreMatcher(p);
    const start = process.hrtime.bigint();
    assert.equal(m.exec('1'.repeat(65536)), null);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms < 1000, `64 KB took ${ms.toFixed(1)} ms`);
    assert.equal(m.exec('x ab$$cd ef')?.[0], 'ab$$cd ef');
  });
});

describe('dot-star anchoring', () => {
  it('anchors patterns whose every branch starts with an unbounded any-byte repeat', () => {
    for (const p of ['.*\\.php$', '.*?x', '(?:.*a|.+b)', '(.*)x', '.{2,}y', '(?s:.*)z']) {
      assert.equal(translatePcre(p).anchored, true, p);
    }
    for (const p of ['.*a|b', 'x.*', '(?-s).*a', '.{0,5}a', '(.*)\\1', '\\b.*a']) {
      assert.equal(translatePcre(p).anchored, false, p);
    }
  });
  it('finds the same matches and captures as the unanchored search', () => {
    const cases: Array<[string, string]> = [
      ['.*\\.ph(?:p\\d*|tml)\\.*$', 'x/a.php.\nb.phtml'],
      ['(.*?)=(.*)', 'k=v=w'],
      ['(?:.*(a)|.*(b))c', 'xxbc'],
      ['.*x', 'aaaa'],
    ];
    for (const [p, input] of cases) {
      const plain = new RegExp(p, 's').exec(input);
      assert.deepEqual(run(p, input), plain === null ? null : Array.from(plain), p);
      const all = [...input.matchAll(new RegExp(p, 'sg'))].map((m) => [m.index, ...m]);
      const re = compilePcre(p, { global: true });
      assert.ok(re.sticky && re.global);
      assert.deepEqual([...input.matchAll(re)].map((m) => [m.index, ...m]), all, `${p} global`);
    }
  });
  it('turns the quadratic CRS shape linear', () => {
    const re = compilePcre('.*\\.ph(?:p\\d*|tml|ar|ps|t|pt)\\.*$');
    const input = '.ph'.repeat(100_000 / 3);
    const start = process.hrtime.bigint();
    assert.equal(re.exec(input), null);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms < 2000, `100 KB took ${ms.toFixed(1)} ms`);
  });
});

describe('PcreMatcher (the operators\' form)', () => {
  it('hands \\r back in matches and groups', () => {
    const m = new PcreMatcher('^(a[\\r\\n]+)(.)$');
    assert.deepEqual(Array.from(m.exec('a\r\r\n\rb') ?? []), ['a\r\r\n\rb', 'a\r\r\n\r', 'b']);
    assert.ok(new PcreMatcher('^[^x]$').test('\r'), 'a negated set holds \\r');
    assert.ok(!new PcreMatcher('^[^\\r]$').test('\r'));
    assert.ok(new PcreMatcher('^.$').test('\r'));
    assert.ok(new PcreMatcher('^\\W$').test('\r'));
    assert.ok(!new PcreMatcher('^\\w$').test('\r'));
  });
  it('lists every match for rxGlobal', () => {
    const m = new PcreMatcher('(\\d)(x)?', { global: true });
    const seen: string[][] = [];
    m.execAll('1x2\r3', (r) => {
      seen.push(Array.from(r, (g) => g ?? '-'));
      return true;
    });
    assert.deepEqual(seen, [['1x', '1', 'x'], ['2', '2', '-'], ['3', '3', '-']]);
    const empties: number[] = [];
    new PcreMatcher('x*', { global: true }).execAll('axx', (r) => (empties.push(r.index), true));
    assert.deepEqual(empties, [0, 1, 3]);
  });
});

// ---- the CRS ---------------------------------------------------------------------------------

interface CrsPattern {
  readonly where: string;
  readonly pattern: string;
}

/** Every "@rx ..." / "!@rx ..." operator parameter of the CRS rule files. */
function crsPatterns(): CrsPattern[] {
  const out: CrsPattern[] = [];
  for (const file of fs.readdirSync(crsRules).filter((f) => f.endsWith('.conf')).sort()) {
    const lines = fs.readFileSync(path.join(crsRules, file), 'latin1').split('\n');
    let logical = '';
    let startLine = 0;
    lines.forEach((line, i) => {
      if (logical === '') startLine = i + 1;
      if (line.endsWith('\\')) {
        logical += line.slice(0, -1);
        return;
      }
      logical += line;
      const text = logical;
      logical = '';
      if (/^\s*#/.test(text)) return;
      for (const m of text.matchAll(/"!?@rx /g)) {
        out.push({ where: `${file}:${startLine}`, pattern: operatorParam(text, m.index + m[0].length) });
      }
    });
  }
  return out;
}

/** The rest of a double-quoted SecLang string: \" is a quote, other backslashes stay. */
function operatorParam(text: string, from: number): string {
  let out = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '"') {
      out += '"';
      i++;
    } else if (c === '"') {
      break;
    } else {
      out += c;
    }
  }
  return out;
}

function walk(node: PcreNode, visit: (n: PcreNode) => void): void {
  visit(node);
  if (node.kind === 'group' || node.kind === 'look' || node.kind === 'repeat') walk(node.body, visit);
  else if (node.kind === 'seq') for (const n of node.items) walk(n, visit);
  else if (node.kind === 'alt') for (const n of node.branches) walk(n, visit);
}

const INPUT_BYTES = 8192;
/** Inputs are built at this size first; the slowest few per pattern are then rerun at 8 KB. */
const SCREEN_BYTES = 1024;
const SCREENED_KEPT = 8;
const fill = (unit: string): string => unit.repeat(Math.ceil(SCREEN_BYTES / unit.length)).slice(0, SCREEN_BYTES);

/** The same shape at `bytes`: the leading word (if any) kept, the repeated tail stretched. */
function stretch(input: string, bytes: number): string {
  const unitStart = input.length - SCREEN_BYTES;
  return input.slice(0, unitStart) + input.slice(unitStart).repeat(Math.ceil(bytes / SCREEN_BYTES)).slice(0, bytes);
}

/**
 * Inputs built from the pattern itself: a long run of one byte for each kind of byte the
 * pattern tells apart (bytes in the same sets behave the same), alternations of two kinds,
 * nested delimiters, and the pattern's own literal words repeated or followed by a long run.
 */
function adversarialInputs(pattern: string): string[] {
  const { root } = parsePcre(pattern);
  const sets: PcreNode[] = [];
  const words = new Set<string>();
  walk(root, (n) => {
    if (n.kind === 'set') sets.push(n);
    if (n.kind !== 'seq') return;
    let word = '';
    for (const item of [...n.items, null]) {
      if (item !== null && item.kind === 'set' && item.set.size() <= 2) word += String.fromCharCode(item.set.ranges().at(-1)![1]);
      else {
        if (word.length > 1) words.add(word);
        word = '';
      }
    }
  });
  const kinds = new Map<string, number>();
  for (let c = 0; c < 256; c++) {
    const signature = sets.map((n) => (n.kind === 'set' && n.set.has(c) ? '1' : '0')).join('');
    const known = kinds.get(signature);
    // Prefer a printable representative: it reads better in the report.
    if (known === undefined || (known < 0x20 && c >= 0x20 && c < 0x7f)) kinds.set(signature, c);
  }
  const reps = [...new Set([...kinds.values(), 0x0a, 0x0d, 0x20])].map((c) => String.fromCharCode(c));
  const inputs = new Set<string>();
  for (const r of reps) inputs.add(fill(r));
  // Pairs of neighbouring kinds, capped: the runs above already cover each kind alone.
  for (let i = 0; i < Math.min(reps.length, 16); i++) inputs.add(fill(reps[i]! + reps[(i + 1) % reps.length]!));
  for (const unit of ['(((', '<<<', "'''", '"\'', ' a', 'a\n', '\r\n', '/.', '%2', '\\x']) inputs.add(fill(unit));
  for (const w of [...words].slice(0, 8)) {
    inputs.add(fill(`${w} `));
    inputs.add(w + fill(' '));
    inputs.add(w + fill('a'));
  }
  return [...inputs];
}

function timeMs(f: () => void): number {
  const start = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe('OWASP CRS @rx patterns', () => {
  const present = fs.existsSync(crsRules);
  const skip = present ? false : `CRS rules not found at ${crsRules} (set PORTCULLIS_SHARED)`;

  it('the required-bytes prefilter never hides a match (CRS regression inputs)', { skip }, () => {
    // Inputs: the URIs and bodies of the CRS's own regression tests, URL-decoded, sampled.
    const testsDir = path.join(shared, 'crs', 'tests', 'regression', 'tests');
    const inputs: string[] = [];
    for (const dir of fs.readdirSync(testsDir)) {
      if (!fs.statSync(path.join(testsDir, dir)).isDirectory()) continue;
      for (const f of fs.readdirSync(path.join(testsDir, dir))) {
        const text = fs.readFileSync(path.join(testsDir, dir, f), 'latin1');
        for (const m of text.matchAll(/^\s+(?:uri|data):\s*"?(.*?)"?\s*$/gm)) {
          let v = m[1]!;
          try {
            v = utf8(decodeURIComponent(v.replace(/\+/g, ' ')));
          } catch {
            // keep it as written
          }
          inputs.push(v);
        }
      }
    }
    assert.ok(inputs.length > 1000, `only ${inputs.length} inputs`);
    let seed = 7;
    const pick = () => inputs[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % inputs.length]!;
    let compared = 0;
    for (const { where, pattern } of crsPatterns()) {
      const matcher = new PcreMatcher(pattern);
      const plain = compilePcre(pattern);
      for (let i = 0; i < 200; i++) {
        const v = pick();
        plain.lastIndex = 0;
        const expected = plain.exec(v);
        const got = matcher.exec(v);
        assert.equal(got?.[0], expected?.[0], `${where} on ${JSON.stringify(v.slice(0, 80))}`);
        compared++;
      }
    }
    assert.ok(compared > 50_000);
  });

  it('all compile, in both forms', { skip }, (t) => {
    const patterns = crsPatterns();
    assert.ok(patterns.length >= 300, `only ${patterns.length} @rx patterns found`);
    for (const { where, pattern } of patterns) {
      assert.doesNotThrow(() => compilePcre(pattern), where);
      assert.doesNotThrow(() => new PcreMatcher(pattern), where);
    }
    t.diagnostic(`${patterns.length} CRS @rx patterns compile`);
  });

  it('every pattern stays fast on adversarial 8 KB inputs (safety net on)', { skip, timeout: 120_000 }, (t) => {
    // Generous: the linear engine needs ~3-5 µs per byte on the largest CRS patterns.
    // Generous: this machine is shared and the suite runs files in parallel; what it guards
    // against is backtracking blow-ups, which take seconds, not a few hundred milliseconds.
    const boundMs = 1000;
    const slowest: Array<{ where: string; ms: number; input: string }> = [];
    let screened = 0;
    let runs = 0;
    for (const { where, pattern } of crsPatterns()) {
      const matcher = new PcreMatcher(pattern);
      // Screening at 1 KB shows which shapes make this pattern work hardest (super-linear ones
      // already stand out there); only those are worth 8 KB.
      const timed = adversarialInputs(pattern).map((input) => ({ input, ms: timeMs(() => matcher.exec(input)) }));
      screened += timed.length;
      timed.sort((a, b) => b.ms - a.ms);
      let worst = { ms: 0, input: '' };
      for (const { input: small } of timed.slice(0, SCREENED_KEPT)) {
        const input = stretch(small, INPUT_BYTES);
        let ms = timeMs(() => matcher.exec(input));
        // A first run can include compiling for a new string width or a fallback: rerun once.
        if (ms > boundMs / 3) ms = Math.min(ms, timeMs(() => matcher.exec(input)));
        runs++;
        if (ms > worst.ms) worst = { ms, input };
      }
      slowest.push({ where, ms: worst.ms, input: JSON.stringify(worst.input.slice(0, 12)) });
    }
    slowest.sort((a, b) => b.ms - a.ms);
    t.diagnostic(
      `${screened} inputs screened at ${SCREEN_BYTES} bytes, ${runs} runs at ${INPUT_BYTES} bytes; slowest: ` +
        slowest.slice(0, 8).map((s) => `${s.where} ${s.ms.toFixed(1)} ms ${s.input}`).join('; '),
    );
    const tooSlow = slowest.filter((s) => s.ms > boundMs);
    assert.deepEqual(tooSlow, [], `over ${boundMs} ms`);
  });
});

describe('selector key patterns', () => {
  it('tests keys as the regex does, plain prefixes included', () => {
    const keys = ['header_name_920450_host', 'HEADER_NAME_920450_X', 'x_header_name_920450_', 'header_name_92045', '', 'a\nheader_name_920450_b', 'a\nheader_name_920450_', 'header_name_920450_\n', '\n', 'json.a', 'JSON.items.0', 'xjson.a', 'json\n'];
    for (const source of ['^header_name_920450_', '^json\\.', '^json', 'items', '^[a-z]+_', '^-x']) {
      const re = compilePcre(source, { caseless: true });
      const pattern = compileKeyPattern(source);
      for (const k of keys) assert.equal(pattern.test(k), re.test(k), `${source} on ${JSON.stringify(k)}`);
    }
  });
});
