// The SecLang transformations (t:name), held to ModSecurity v3's behaviour on byte strings.
// Hand-written cases pin each transformation, quirks included; when the ModSecurity
// transformation test suite (secrules-language-tests) and the CRS are on this machine, their
// cases are checked too. Values are byte strings: one char per byte, char codes 0-255.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { getTransformation, TRANSFORMATION_NAMES } from '../src/waf/transformations/registry.js';
import type { Transformation } from '../src/waf/transformations/transformation.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sharedDir = process.env.PORTCULLIS_SHARED ?? path.resolve(repoRoot, '../shared');
const crsDir = path.join(sharedDir, 'crs');
/** ModSecurity's transformation tests: a checkout, or a bare mirror read with `git show`. */
const secrulesDir = process.env.PORTCULLIS_SECRULES_TESTS
  ?? '/work/.mirror/owasp-modsecurity+secrules-language-tests/repo';

function tfn(name: string): Transformation {
  const t = getTransformation(name);
  assert.ok(t, `transformation ${name} is registered`);
  return t;
}

function show(value: string): string {
  return JSON.stringify(value);
}

/** Asserts input -> expected for each pair. */
function check(name: string, cases: ReadonlyArray<readonly [string, string]>): void {
  const t = tfn(name);
  for (const [input, expected] of cases) {
    assert.equal(show(t.transform(input)), show(expected), `${name}(${show(input)})`);
  }
}

/** Asserts that each input comes back unchanged. */
function unchanged(name: string, inputs: readonly string[]): void {
  const t = tfn(name);
  for (const input of inputs) assert.equal(t.transform(input), input, `${name}(${show(input)}) is unchanged`);
}

function hex(value: string): string {
  return Buffer.from(value, 'latin1').toString('hex');
}

const REQUIRED = [
  'none', 'lowercase', 'uppercase', 'urlDecode', 'urlDecodeUni', 'jsDecode', 'htmlEntityDecode',
  'cssDecode', 'escapeSeqDecode', 'utf8toUnicode', 'removeNulls', 'replaceNulls', 'removeWhitespace',
  'compressWhitespace', 'removeComments', 'removeCommentsChar', 'replaceComments', 'cmdLine',
  'normalizePath', 'normalizePathWin', 'length', 'base64Decode', 'base64DecodeExt', 'base64Encode',
  'hexDecode', 'hexEncode', 'sha1', 'md5', 'trim', 'trimLeft', 'trimRight', 'urlEncode',
  'sqlHexDecode', 'parityEven7bit', 'parityOdd7bit', 'parityZero7bit',
];

describe('transformation registry', () => {
  it('has every SecLang transformation under its canonical name', () => {
    for (const name of REQUIRED) {
      assert.ok(TRANSFORMATION_NAMES.includes(name), name);
      assert.equal(tfn(name).name, name);
    }
    assert.equal(new Set(TRANSFORMATION_NAMES).size, TRANSFORMATION_NAMES.length, 'names are unique');
  });
  it('matches names case-insensitively and knows the British spellings', () => {
    assert.equal(getTransformation('URLDECODEUNI'), getTransformation('urlDecodeUni'));
    assert.equal(getTransformation('cmdline')?.name, 'cmdLine');
    assert.equal(getTransformation('normalisePath'), getTransformation('normalizePath'));
    assert.equal(getTransformation('NormalisePathWin'), getTransformation('normalizePathWin'));
    assert.equal(getTransformation('nosuch'), undefined);
    assert.equal(getTransformation(''), undefined);
  });
  it('keeps none as an identity', () => {
    unchanged('none', ['', 'abc', '\x00\x80\xff', '%41&lt;']);
  });
});

describe('declared trigger bytes (what the prefilter relies on)', () => {
  // A deterministic generator: many short values over bytes likely to matter to decoders.
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 16;
  };
  const alphabet = 'aZ09 \t\n\v\f\r%+&#;\\/\\*.-<>!\'"`^,=()[]{}|$~xX\0\u0080\u00a0\u00c2\u00c3\u00ffuU'.split('');
  const sample = (pool: readonly string[]) => {
    const out: string[] = [];
    for (let n = 0; n < 3000; n++) {
      let v = '';
      const len = next() % 12;
      for (let i = 0; i < len; i++) v += pool[next() % pool.length];
      out.push(v);
    }
    return out;
  };
  const fold = (v: string) => v.replace(/[A-Z]/g, (c) => c.toLowerCase());

  it('leaves every value without them unchanged', () => {
    let checked = 0;
    for (const name of TRANSFORMATION_NAMES) {
      const t = getTransformation(name)!;
      if (t.triggers === undefined) continue;
      const pool = alphabet.filter((c) => !t.triggers!.includes(c));
      for (const v of sample(pool)) {
        // An end trigger may be anywhere but at the end.
        if (t.endTriggers !== undefined && v.length > 0 && t.endTriggers.includes(v[v.length - 1]!)) continue;
        assert.equal(t.transform(v), v, `t:${name} changed ${JSON.stringify(v)} without a trigger byte`);
        checked++;
      }
    }
    assert.ok(checked > 30_000);
  });

  it('leaves every short value over the bytes that matter unchanged, for end triggers', () => {
    // Exhaustive up to 7 bytes over the triggers, the end triggers and two ordinary bytes: the
    // random sample above rarely puts several dots and slashes together.
    let checked = 0;
    for (const name of TRANSFORMATION_NAMES) {
      const t = getTransformation(name)!;
      if (t.endTriggers === undefined) continue;
      const bytes = [...new Set([...t.triggers!, ...t.endTriggers, 'a', 'Z'])];
      const walk = (v: string): void => {
        const inert = ![...t.triggers!].some((c) => v.includes(c)) && !(v.length > 0 && t.endTriggers!.includes(v[v.length - 1]!));
        if (inert) {
          assert.equal(t.transform(v), v, `t:${name} changed ${JSON.stringify(v)}`);
          checked++;
        }
        if (v.length < 7) for (const c of bytes) walk(v + c);
      };
      walk('');
    }
    assert.ok(checked > 1000);
  });

  it('changes only the case for case-only transformations', () => {
    for (const name of TRANSFORMATION_NAMES) {
      const t = getTransformation(name)!;
      if (!t.caseOnly) continue;
      for (const v of sample(alphabet)) assert.equal(fold(t.transform(v)), fold(v), `t:${name} on ${JSON.stringify(v)}`);
    }
  });
});

describe('case transformations', () => {
  it('lowercase changes A-Z only (C locale)', () => {
    check('lowercase', [['TestCase', 'testcase'], ['AZ@[', 'az@['], ['A\xC0\xDE\xFF', 'a\xC0\xDE\xFF']]);
    unchanged('lowercase', ['', 'abc', '\xC0\xC9\xDE', 'a\x00b']);
  });
  it('uppercase changes a-z only (C locale)', () => {
    check('uppercase', [['TestCase', 'TESTCASE'], ['az`{', 'AZ`{'], ['a\xE0\xFE', 'A\xE0\xFE']]);
    unchanged('uppercase', ['', 'ABC', '\xE0\xE9\xFE']);
  });
});

describe('urlDecode', () => {
  it('decodes %HH and +, keeps invalid escapes', () => {
    check('urlDecode', [
      ['a%41b', 'aAb'], ['a+b', 'a b'], ['%e9%E9', '\xE9\xE9'], ['%00', '\x00'], ['%%41', '%A'],
      ['%4g%41', '%4gA'], ['x%41', 'xA'], ['%u0041', '%u0041'], ['%2B+', '+ '], ['%ff%80', '\xFF\x80'],
    ]);
    unchanged('urlDecode', ['', 'abc', '%', '%4', '%4g', '%g4', 'a%', '%u', '\x80\xFF%zz']);
  });
});

describe('urlDecodeUni', () => {
  it('keeps the low byte of %uHHHH and folds full-width ASCII', () => {
    check('urlDecodeUni', [
      ['%u0041', 'A'], ['%U0041', 'A'], ['%u0131', '1'], ['%u00e9', '\xE9'], ['%u0000', '\x00'],
      ['%uFF1C', '<'], ['%uff5e', '~'], ['%uFf21', 'A'], ['%uff5f', '_'], ['%uff00', '\x00'],
      ['%uff7f', '\x7F'], ['%ufe1c', '\x1C'], ['%u1100', '\x00'],
    ]);
  });
  it('also decodes %HH and +, and keeps what it cannot decode', () => {
    check('urlDecodeUni', [
      ['%41%u0042+', 'AB '], ['%u%41', '%uA'], ['%u00zz%41', '%u00zzA'], ['%%u0041', '%A'],
      ['%u004', '%u004'], ['%u12+', '%u12 '],
    ]);
    unchanged('urlDecodeUni', ['', 'abc', '%', '%u', '%u0', '%u00g0', '%uff', '%zz', '\xFF']);
  });
});

describe('jsDecode', () => {
  it('decodes \\xHH, \\uHHHH (low byte, full-width fold) and octal', () => {
    check('jsDecode', [
      ['\\x41', 'A'], ['\\u0041', 'A'], ['\\u00e9', '\xE9'], ['\\uff1c', '<'], ['\\uFF01', '!'],
      ['\\u0131', '1'], ['\\101', 'A'], ['\\0', '\x00'], ['\\08', '\x008'], ['\\377', '\xFF'],
      ['\\477', "'7"], ['\\400', ' 0'], ['\\7', '\x07'],
    ]);
  });
  it('decodes C escapes and drops the backslash before anything else', () => {
    check('jsDecode', [
      ['\\n\\t\\r\\a\\b\\f\\v', '\n\t\r\x07\x08\x0C\x0B'], ['\\q', 'q'], ['\\\\', '\\'], ['\\"', '"'],
      ['\\X41', 'X41'], ['\\U0041', 'U0041'], ['\\x4', 'x4'], ['\\u12', 'u12'], ['\\x', 'x'],
      ['\\\xE9', '\xE9'], ['a\\u00', 'au00'],
    ]);
    unchanged('jsDecode', ['', 'abc', '\\', 'a\\', '\x80\xFF']);
  });
});

describe('escapeSeqDecode', () => {
  it('decodes ANSI C escapes', () => {
    check('escapeSeqDecode', [
      ['\\x41\\X42', 'AB'], ['\\101', 'A'], ['\\666', '\xB6'], ['\\400', '\x00'], ['\\0', '\x00'],
      ['\\n\\t\\r\\a\\b\\f\\v', '\n\t\r\x07\x08\x0C\x0B'], ['\\\\\\?\\\'\\"', '\\?\'"'],
      ['\\xg', 'xg'], ['\\x4', 'x4'], ['\\q', 'q'], ['\\u0041', 'u0041'], ['\\8', '8'], ['\\\xFF', '\xFF'],
    ]);
    unchanged('escapeSeqDecode', ['', 'abc', '\\', 'a\\', '\xFF']);
  });
});

describe('cssDecode', () => {
  it('decodes 1-6 hex digits to the last byte, with the full-width fold', () => {
    check('cssDecode', [
      ['\\41', 'A'], ['\\4', '\x04'], ['\\000041', 'A'], ['\\e9', '\xE9'], ['\\123', '#'],
      ['\\1234567', 'V7'], ['\\ff1c', '<'], ['\\FF5E', '~'], ['\\0ff1c', '<'], ['\\1ff1c', '\x1C'],
      ['\\00ff21', 'A'], ['\\01ff21', '!'], ['\\ff5f', '_'],
    ]);
  });
  it('eats one whitespace after hex digits, and line continuations', () => {
    check('cssDecode', [
      ['\\41 x', 'Ax'], ['\\41  x', 'A x'], ['\\41\tx', 'Ax'], ['a\\\nb', 'ab'], ['a\\', 'a'],
      ['\\g', 'g'], ['\\\\', '\\'], ['\\ ', ' '], ['\\\xE9', '\xE9'],
    ]);
    unchanged('cssDecode', ['', 'abc', '\x80\xFF']);
  });
});

describe('htmlEntityDecode', () => {
  it('decodes the five named entities ModSecurity knows, by prefix', () => {
    check('htmlEntityDecode', [
      ['&lt;script&gt;', '<script>'], ['&LT;', '<'], ['&quot&amp', '"&'], ['&nbsp;', '\xA0'],
      ['&ltfoo;', '<'], ['&ampx', '&'], ['&&lt;', '&<'],
    ]);
    unchanged('htmlEntityDecode', ['&apos;', '&lbrace;', '&l;', '&', 'a & b', '&;', '&\xE9']);
  });
  it('decodes numeric references to one byte, within the digit limits', () => {
    check('htmlEntityDecode', [
      ['&#65;&#x41;&#X41;', 'AAA'], ['&#65', 'A'], ['&#x41', 'A'], ['&#999;', '\xE7'], ['&#1234;', '{4;'],
      ['&#x4142;', 'A42;'], ['&#xe9;', '\xE9'], ['&#0;', '\x00'], ['&#x0;', '\x00'], ['&#&#65;', '&#A'],
    ]);
    unchanged('htmlEntityDecode', ['&#', '&#x', '&#;', '&#x;', '&#a', '&#xg;', '&#-1;']);
  });
  it('does not count leading zeros (the v3.0.14 fix, CRS 944150-23)', () => {
    check('htmlEntityDecode', [
      ['&#0000123;', '{'], ['&#x0041;', 'A'], ['&#x000000000000000041', 'A'], ['&#000;', '\x00'],
      [`&#x24;&#${'0'.repeat(47)}123;jndi`, '${jndi'],
    ]);
  });
});

describe('utf8toUnicode', () => {
  it('writes well-formed multi-byte sequences as %uHHHH', () => {
    check('utf8toUnicode', [
      ['caf\xC3\xA9', 'caf%u00e9'], ['\xE2\x82\xAC', '%u20ac'], ['\xF0\x9F\x98\x80', '%u1f600'],
      ['\xEF\xBC\x9C', '%uff1c'], ['\xF4\x8F\xBF\xBF', '%u10ffff'], ['a\xDF\xBFb', 'a%u07ffb'],
    ]);
    unchanged('utf8toUnicode', ['', 'abc', 'ab\x00', '\x00', '\x7F']);
  });
  it('drops a broken lead byte and keeps stray bytes (ModSecurity v3)', () => {
    check('utf8toUnicode', [
      ['\xC3', ''], ['a\xC3', 'a'], ['\xC3a', 'a'], ['\xE2\x82', '\x82'], ['\xE2\x82a', '\x82a'],
      ['\x80', '\x80'], ['\xFF\xF8', '\xFF\xF8'], ['\xBFx', '\xBFx'], ['\xF0\x9F\x98', '\x9F\x98'],
    ]);
  });
  it('repeats the lead byte after overlong forms and surrogates, and writes F5-F7 raw', () => {
    check('utf8toUnicode', [
      ['\xC0\x80', '%u0000\xC0'], ['\xC1\xBF', '%u007f\xC1'], ['\xE0\x80\xAF', '%u002f\xE0'],
      ['\xED\xA0\x80', '%ud800\xED'], ['\xF0\x8D\xA0\x80', '%ud800\xF0\xF0'],
      ['\xF5\x80\x80\x80', '\xF5%u140000'], ['\xF5', '\xF5'],
    ]);
  });
  it('drops NUL bytes except a last one', () => {
    check('utf8toUnicode', [['a\x00b', 'ab'], ['\x00\x00', '\x00'], ['\x00\xC3\xA9', '%u00e9']]);
  });
});

describe('null and whitespace transformations', () => {
  it('removeNulls and replaceNulls', () => {
    check('removeNulls', [['a\x00b\x00', 'ab'], ['\x00', '']]);
    check('replaceNulls', [['a\x00b\x00', 'a b '], ['\x00', ' ']]);
    unchanged('removeNulls', ['', 'ab', '\x01\xFF']);
    unchanged('replaceNulls', ['', 'ab', '\x01\xFF']);
  });
  it('removeWhitespace also removes every 0xA0 and 0xC2 byte', () => {
    check('removeWhitespace', [[' a\tb\nc\vd\fe\rf ', 'abcdef'], ['a\xA0b', 'ab'], ['\xC2\xA9', '\xA9'], ['\xC2\xA0', '']]);
    unchanged('removeWhitespace', ['', 'abc', '\x85\x00\xFF']);
  });
  it('compressWhitespace turns runs of C-locale whitespace into one space', () => {
    check('compressWhitespace', [['a  b', 'a b'], ['a\t\nb', 'a b'], ['  ', ' '], [' a \v\f\r', ' a ']]);
    unchanged('compressWhitespace', ['', 'a b', ' a b ', 'a\xA0\xA0b', 'a\x00b']);
  });
  it('trim, trimLeft and trimRight use C-locale whitespace only', () => {
    check('trim', [['  a b  ', 'a b'], ['\t\n\v\f\r a', 'a'], ['   ', ''], [' \xA0 ', '\xA0']]);
    check('trimLeft', [['  a b  ', 'a b  '], ['\r\na', 'a'], ['  ', '']]);
    check('trimRight', [['  a b  ', '  a b'], ['a\r\n', 'a'], ['  ', '']]);
    for (const name of ['trim', 'trimLeft', 'trimRight']) unchanged(name, ['', 'a', '\xA0a\xA0', 'a b', '\x00']);
  });
});

describe('comment transformations', () => {
  it('removeComments, with ModSecurity v3 quirks', () => {
    check('removeComments', [
      ['a/*b*/c', 'ac'], ['a<!--x-->b', 'ab'], ['a/*x', 'a '], ['x<!--y', 'x '],
      ['a--b', 'a'], ['a#b', 'a'], ['--', ''],
      // the byte after a closing marker is copied unexamined; at the end it is the C NUL
      ['/*x*/', '\x00'], ['a/*x*/', 'a\x00'], ['a<!--x-->', 'a\x00'], ['/*a*//*b*/', '/*b*/'],
      ['/**/--x', '--x'],
    ]);
    unchanged('removeComments', ['', 'abc', 'a*/b', 'a-b', '<!-', '/', '\xFF']);
  });
  it('removeCommentsChar removes only the markers', () => {
    check('removeCommentsChar', [
      ['/*a*/', 'a'], ['a--b', 'ab'], ['a-->b', 'ab'], ['<!--a', 'a'], ['a#b', 'ab'], ['a*/b', 'ab'],
      ['--->', '->'], ['/*/', '/'],
    ]);
    unchanged('removeCommentsChar', ['', 'a-b', '<!-', '\xFF']);
  });
  it('replaceComments turns C comments into one space', () => {
    check('replaceComments', [
      ['a/*b*/c', 'a c'], ['a/*b', 'a '], ['/*/', ' '], ['/**/', ' '], ['/*a*//*b*/', '  '],
      ['x/*a*/y/*b*/z', 'x y z'], ['/*a/*b*/c*/', ' c*/'],
    ]);
    unchanged('replaceComments', ['', 'a*/b', 'a--b', 'a#b', '\xFF']);
  });
});

describe('cmdLine', () => {
  it('normalises command lines', () => {
    check('cmdLine', [
      ['C^OMMAND /C DIR', 'command/c dir'], ['Net" "User', 'net user'], ['a , ; b', 'a b'],
      ['cmd (x)', 'cmd(x)'], ['a\\b', 'ab'], ['\xC9X', '\xC9x'], ['a  /b', 'a/b'], [' /x', '/x'],
      ['a \' ,b', 'a b'], ['a\tb\r\nc', 'a b c'], ['ls ;', 'ls '],
    ]);
    unchanged('cmdLine', ['', 'test', 'a\vb', 'a b', 'a/b(c)', '\xFF']);
  });
});

describe('path normalisation', () => {
  it('normalizePath resolves dot segments and slash runs', () => {
    check('normalizePath', [
      ['/a/b/../c', '/a/c'], ['/a//b', '/a/b'], ['/a/./b', '/a/b'], ['/../../etc/passwd', '/etc/passwd'],
      ['../a', '../a'], ['a/../../b', '../b'], ['./x', 'x'], ['a/b/.', 'a/b'], ['a/b/./', 'a/b/'],
      ['/a/b/..', '/a'], ['/a/..', ''],
      // the root slash kept for a final ".." then goes as a trailing slash the input did not have
      ['/..', ''], ['/../', '/'], ['.', ''], ['//', '/'], ['a//', 'a/'], ['/\xE9/../\xFF', '/\xFF'],
      // ModSecurity only checks the byte before "..": "ab../" is a back-reference too
      ['ab../c', 'c'],
    ]);
    unchanged('normalizePath', ['', 'x', '/a/b', 'a/b/', '/', '/a\\b', '..', '../..', 'x../b', 'a.b/c.d', '/.x']);
  });
  it('normalizePathWin also takes backslashes as separators', () => {
    check('normalizePathWin', [
      ['\\a\\b\\..\\c', '/a/c'], ['C:\\x\\..\\y', 'C:/y'], ['a\\..\\b', 'b'], ['a\\b/c', 'a/b/c'],
      ['\\', '/'], ['a\\\\b', 'a/b'],
      // the conversion looks one byte ahead only, so the last of three backslashes survives
      ['a\\\\\\b', 'a\\b'],
    ]);
    unchanged('normalizePathWin', ['', 'x', '/a/b', 'a.b']);
  });
});

describe('length, hashes and encodings', () => {
  it('length is the decimal byte count', () => {
    check('length', [['', '0'], ['abc', '3'], ['\x00\xFF', '2'], ['x'.repeat(1234), '1234']]);
    unchanged('length', ['1']);
  });
  it('md5 and sha1 give raw digests of the bytes', () => {
    assert.equal(hex(tfn('md5').transform('')), 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(hex(tfn('md5').transform('abc')), '900150983cd24fb0d6963f7d28e17f72');
    assert.equal(hex(tfn('sha1').transform('')), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(hex(tfn('sha1').transform('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    const bytes = Buffer.from([0x00, 0x80, 0xe9, 0xff]);
    assert.equal(hex(tfn('md5').transform(bytes.toString('latin1'))), createHash('md5').update(bytes).digest('hex'));
    assert.equal(hex(tfn('sha1').transform(bytes.toString('latin1'))), createHash('sha1').update(bytes).digest('hex'));
  });
  it('hexEncode and hexDecode', () => {
    check('hexEncode', [['ABC', '414243'], ['\x00\xFF', '00ff']]);
    unchanged('hexEncode', ['']);
    check('hexDecode', [
      ['414243', 'ABC'], ['e9E9', '\xE9\xE9'], ['41424', 'AB'], ['a', ''],
      // digits are not checked: ModSecurity's x2c() arithmetic applies to any byte
      ['0z', '#'], ['zz', 'S'], ['GG', '\x10'], ['\xFF\xFF', '('],
    ]);
    unchanged('hexDecode', ['']);
  });
  it('base64Encode', () => {
    check('base64Encode', [['Test', 'VGVzdA=='], ['\xFF\x00', '/wA='], ['TestCase1', 'VGVzdENhc2Ux']]);
    unchanged('base64Encode', ['']);
  });
  it('base64Decode is strict (mbedtls): invalid input gives ""', () => {
    check('base64Decode', [
      ['VGVzdA==', 'Test'], ['QUJD', 'ABC'], ['QUI=', 'AB'], ['/+/+', '\xFF\xEF\xFE'],
      ['VGVz\ndA==', 'Test'], ['VGVz\r\ndA==', 'Test'], ['VGVzdA==  ', 'Test'], ['VGVz  \ndA==', 'Test'],
      ['VGVzdA==\x00junk', 'Test'],
      // an unpadded partial group is dropped
      ['VGVzdA', 'Tes'], ['QUI', ''],
      // anything invalid empties the result
      ['VGVz dA==', ''], ['VGVz!A==', ''], ['VGVzdA=a', ''], ['QQ===', ''], ['VGVz\r', ''], ['VGVzdA-_', ''],
      ['\x00abc', ''], ['   ', ''], ['\xC3\xA9', ''],
    ]);
    unchanged('base64Decode', ['']);
  });
  it('base64DecodeExt skips what it cannot use', () => {
    check('base64DecodeExt', [
      ['VGVzdA==', 'Test'], ['VGVz dA==', 'Test'], ['V.G.V.z.d.A', 'Test'], ['VGVzdA-_', 'Test'],
      ['QUJD\x00RA', 'ABCD'], ['QQ', 'A'], ['QUJDR', 'ABC'], ['QUJDRQ==', 'ABCE'], ['\xFFQUJD\xFF', 'ABC'],
      // a single-digit group followed by '=' (not "==") empties the result; so does a final '9' there
      ['QUJDR=', ''], ['QUJDR==', ''], ['QUJDR=x', ''], ['QUJD9', ''], ['9', ''], ['=', ''],
    ]);
    unchanged('base64DecodeExt', ['']);
  });
  it('urlEncode', () => {
    check('urlEncode', [['a b', 'a+b'], ['a-b', 'a%2db'], ['\xE9', '%e9'], ['%', '%25'], ['~\x00', '%7e%00']]);
    unchanged('urlEncode', ['', 'a*b', 'AZaz09']);
  });
  it('sqlHexDecode', () => {
    check('sqlHexDecode', [
      ['0x414243', 'ABC'], ['SELECT 0x41 FROM', 'SELECT A FROM'], ['0X41', 'A'], ['0x41424', 'AB4'],
      ['x0x41', 'xA'], ['0x41zz', 'Azz'], ['0x0x41', '0xA'],
    ]);
    unchanged('sqlHexDecode', ['', '0x', '0x4', '0xzz', '0y41', '\xFF']);
  });
});

describe('parity transformations', () => {
  it('parityEven7bit, parityOdd7bit and parityZero7bit', () => {
    // 'a' = 0x61 has three 1 bits, 'c' = 0x63 four; ModSecurity counts bit 7 as well
    check('parityEven7bit', [['a', '\xE1'], ['ac', '\xE1c'], ['\x81', '\x01'], ['\xE1', '\x61']]);
    unchanged('parityEven7bit', ['', 'c', '\x80', '\x00']);
    check('parityOdd7bit', [['c', '\xE3'], ['\x80', '\x00'], ['\x00', '\x80'], ['\xE3', '\x63']]);
    unchanged('parityOdd7bit', ['', 'a', '\x81']);
    check('parityZero7bit', [['\xE1\x7F', 'a\x7F'], ['\xFF', '\x7F']]);
    unchanged('parityZero7bit', ['', 'abc\x7F']);
  });
});

describe('every transformation on arbitrary bytes', () => {
  /** mulberry32: a small seeded PRNG, so failures reproduce. */
  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  // Bytes that steer the decoders into their interesting paths, mixed with any byte at all.
  const SPECIAL = '%+&#;\\/.*-<!>xXuUfF0123456789aAbBeE=\x00 \t\r\n\'"^,(zZ9\xC2\xA0\xC3\xE2\xF0\xF5\x80\xBF\xFF';
  function randomValue(next: () => number): string {
    const len = next() < 0.9 ? Math.floor(next() * 40) : Math.floor(next() * 400);
    let s = '';
    for (let i = 0; i < len; i++) {
      s += next() < 0.6
        ? SPECIAL.charAt(Math.floor(next() * SPECIAL.length))
        : String.fromCharCode(Math.floor(next() * 256));
    }
    return s;
  }
  /** True when every char code of `s` is a byte (0-255). */
  function isByteString(s: string): boolean {
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
    return true;
  }

  it('returns byte strings and never throws (2000 seeded random values each)', () => {
    const next = prng(0x5eed);
    const values = Array.from({ length: 2000 }, () => randomValue(next));
    for (const name of TRANSFORMATION_NAMES) {
      const t = tfn(name);
      for (const value of values) {
        let out: string;
        try {
          out = t.transform(value);
        } catch (err) {
          assert.fail(`${name}(${show(value)}) threw ${String(err)}`);
        }
        assert.equal(typeof out, 'string');
        assert.ok(isByteString(out), `${name}(${show(value)}) gave a char above 0xFF`);
        assert.equal(t.transform(value), out, `${name} is deterministic`);
      }
    }
  });

  it('keeps bytes 0x80-0xFF where it has nothing to do with them', () => {
    const high = Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i)).join('');
    const keeps = [
      'none', 'lowercase', 'uppercase', 'urlDecode', 'urlDecodeUni', 'jsDecode', 'htmlEntityDecode',
      'cssDecode', 'escapeSeqDecode', 'removeNulls', 'replaceNulls', 'compressWhitespace', 'removeComments',
      'removeCommentsChar', 'replaceComments', 'cmdLine', 'normalizePath', 'normalizePathWin', 'trim',
      'trimLeft', 'trimRight', 'sqlHexDecode',
    ];
    for (const name of keeps) unchanged(name, [high, `=${high}=`]);
    check('removeWhitespace', [[high, high.replace(/[\xA0\xC2]/g, '')]]);
  });

  it('stays linear on large adversarial values', () => {
    const patterns = ['%u%', '&#x0', '&#000', '\\1', '\\u00', '/../', '/./', '//', '\\..\\', '/*', '<!--',
      '0x41', '\xC3', '\xE2\x82', 'QUJD', '=', '%4', '&ampamp'];
    const big = patterns.map((p) => p.repeat(Math.ceil(50_000 / p.length)));
    for (const name of TRANSFORMATION_NAMES) {
      const t = tfn(name);
      for (const value of big) assert.equal(typeof t.transform(value), 'string');
    }
  });
});

/** The text of `rel` in the secrules-language-tests checkout or bare mirror, if there is one. */
function secrulesFile(rel: string): string | undefined {
  const plain = path.join(secrulesDir, rel);
  if (fs.existsSync(plain)) return fs.readFileSync(plain, 'utf8');
  if (!fs.existsSync(path.join(secrulesDir, 'HEAD'))) return undefined;
  return execFileSync('git', ['-C', secrulesDir, 'show', `HEAD:${rel}`], { encoding: 'utf8' });
}

function secrulesTransformationFiles(): string[] {
  const dir = path.join(secrulesDir, 'transformations');
  if (fs.existsSync(dir)) return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => `transformations/${f}`);
  if (!fs.existsSync(path.join(secrulesDir, 'HEAD'))) return [];
  const listing = execFileSync('git', ['-C', secrulesDir, 'ls-tree', '--name-only', 'HEAD', 'transformations/'], { encoding: 'utf8' });
  return listing.split('\n').filter((f) => f.endsWith('.json'));
}

/**
 * A test string as ModSecurity's unit-test runner hands it over: yajl gives UTF-8 bytes as a C
 * string (so it ends at the first NUL), then json2bin() replaces each "\xHH" and then each
 * "\uHHHH" escape written in the text by one byte (the low byte), one distinct escape at a
 * time, rescanning from where it replaced.
 */
function modsecTestBytes(text: string): string {
  let s = Buffer.from(text, 'utf8').toString('latin1');
  const nul = s.indexOf('\0');
  if (nul !== -1) s = s.slice(0, nul);
  let last = 0; // sscanf() leaves its target alone when it reads no digit
  for (const [re, width] of [[/\\x([a-zA-Z0-9]{2})/, 2], [/\\u([a-zA-Z0-9]{4})/, 4]] as const) {
    for (let m = re.exec(s); m; m = re.exec(s)) {
      const digits = /^[0-9a-fA-F]+/.exec(m[1] ?? '')?.[0];
      if (digits !== undefined) last = parseInt(digits.slice(0, width), 16);
      const replacement = String.fromCharCode(last & 0xff);
      for (let pos = s.indexOf(m[0]); pos !== -1; pos = s.indexOf(m[0], pos)) {
        s = s.slice(0, pos) + replacement + s.slice(pos + m[0].length);
      }
    }
  }
  return s;
}

interface SecrulesCase {
  readonly name: string;
  readonly type: string;
  readonly input: string;
  readonly output: string;
}

describe('ModSecurity transformation test suite (secrules-language-tests)', () => {
  // Test-suite names that are not SecLang names, and suite entries ModSecurity v3 has no
  // transformation for.
  const NAME_OF: Readonly<Record<string, string>> = { cmd_line: 'cmdLine' };
  const NOT_IN_V3 = new Set(['phpArgsNames']);

  it('gives the outputs the suite expects', (t) => {
    const files = secrulesTransformationFiles();
    if (files.length === 0) {
      t.skip(`secrules-language-tests not found at ${secrulesDir} (set PORTCULLIS_SECRULES_TESTS)`);
      return;
    }
    let checked = 0;
    for (const file of files) {
      const cases = JSON.parse(secrulesFile(file) ?? '[]') as SecrulesCase[];
      for (const c of cases) {
        if (c.type !== 'tfn' || NOT_IN_V3.has(c.name)) continue;
        const transformation = tfn(NAME_OF[c.name] ?? c.name);
        const input = modsecTestBytes(c.input);
        assert.equal(show(transformation.transform(input)), show(modsecTestBytes(c.output)), `${file}: ${c.name}(${show(input)})`);
        checked++;
      }
    }
    assert.ok(checked > 300, `checked ${checked} cases`);
    t.diagnostic(`${checked} cases from ${files.length} files of ${secrulesDir}`);
  });
});

describe('OWASP CRS', () => {
  const rulesDir = path.join(crsDir, 'rules');

  it('uses only transformations we have', (t) => {
    if (!fs.existsSync(rulesDir)) {
      t.skip(`CRS not found at ${rulesDir} (set PORTCULLIS_SHARED)`);
      return;
    }
    const used = new Set<string>();
    for (const file of fs.readdirSync(rulesDir).filter((f) => f.endsWith('.conf'))) {
      for (const line of fs.readFileSync(path.join(rulesDir, file), 'latin1').split('\n')) {
        if (line.trimStart().startsWith('#')) continue;
        for (const m of line.matchAll(/(?<![A-Za-z])t:([A-Za-z0-9]+)/g)) used.add(m[1] ?? '');
      }
    }
    assert.ok(used.size > 10, `found ${used.size} transformation names`);
    for (const name of used) assert.ok(getTransformation(name), `t:${name} used by the CRS`);
  });

  it('decodes the leading-zero entity of test 944150-23 through the rule\'s chain', (t) => {
    const testFile = path.join(crsDir, 'tests/regression/tests/REQUEST-944-APPLICATION-ATTACK-JAVA/944150.yaml');
    const ruleFile = path.join(rulesDir, 'REQUEST-944-APPLICATION-ATTACK-JAVA.conf');
    if (!fs.existsSync(testFile) || !fs.existsSync(ruleFile)) {
      t.skip(`CRS rule 944150 or its tests not found under ${crsDir} (set PORTCULLIS_SHARED)`);
      return;
    }
    type Stage = { input?: { headers?: Record<string, string> } };
    const doc = parseYaml(fs.readFileSync(testFile, 'utf8')) as { tests: Array<{ test_id: number; stages: Stage[] }> };
    const agent = doc.tests.find((x) => x.test_id === 23)?.stages[0]?.input?.headers?.['User-Agent'];
    assert.ok(agent !== undefined && agent.includes('&#0000'), 'test 944150-23 sends a zero-padded entity');
    const rule = fs.readFileSync(ruleFile, 'latin1');
    const actions = rule.slice(rule.indexOf('"id:944150'), rule.indexOf('"id:944150') + 400);
    const chain = [...actions.matchAll(/t:([A-Za-z0-9]+)/g)].map((m) => tfn(m[1] ?? ''));
    assert.ok(chain.length >= 3, 'rule 944150 has its transformation chain');
    const result = chain.reduce((v, tr) => tr.transform(v), Buffer.from(agent, 'utf8').toString('latin1'));
    assert.ok(result.includes('${jndi'), `chain result ${show(result)}`);
  });
});
