// The request body processors (src/waf/bodies): ModSecurity v3's behaviour on normal and malformed
// bodies, flag by flag for multipart, v3's JSON names, our XML parser and XPath subset, and
// adversarial sizes. Where ModSecurity's own regression cases (its source mirror) or the CRS
// regression tests (PORTCULLIS_SHARED) are present, they are checked too; otherwise those tests skip.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_BODY_LIMITS,
  parseRequestBody,
  parseUrlEncoded,
  urlEncodedError,
  type BodyLimits,
  type BodyProcessorName,
  type MultipartFlags,
  type ParsedBody,
  type XmlDocument,
} from '../src/waf/bodies/index.js';

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SHARED = process.env.PORTCULLIS_SHARED ?? path.resolve(REPO_ROOT, '../shared');
const CRS_TESTS = path.join(SHARED, 'crs', 'tests', 'regression', 'tests');
const CRS_RULES = path.join(SHARED, 'crs', 'rules');
const MODSEC_MIRROR = process.env.PORTCULLIS_MODSEC_MIRROR ?? path.resolve(SHARED, '../.mirror/owasp-modsecurity+ModSecurity/repo');
/** Adversarial inputs must finish well within this (the machine is shared; real runs are far faster). */
const BUDGET_MS = 1000;
const MB = 1 << 20;

/** UTF-8 text as the byte string the engine handles. */
const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const L = DEFAULT_BODY_LIMITS;
const MP = 'multipart/form-data; boundary=B';
const CD = (name: string): string => `Content-Disposition: form-data; name="${name}"`;

function multipart(body: string, contentType = MP, limits: BodyLimits = L): ParsedBody {
  return parseRequestBody('MULTIPART', body, contentType, limits);
}

/** A CRLF multipart body with one text part per [name, value]. */
function form(...fields: Array<[string, string]>): string {
  return fields.map(([n, v]) => `--B\r\n${CD(n)}\r\n\r\n${v}\r\n`).join('') + '--B--\r\n';
}

/** The flags that are not 0. */
function raised(r: ParsedBody): Partial<MultipartFlags> {
  assert.ok(r.multipart, 'multipart flags present');
  const out: Partial<Record<keyof MultipartFlags, number>> = {};
  for (const [k, v] of Object.entries(r.multipart) as Array<[keyof MultipartFlags, number]>) if (v !== 0) out[k] = v;
  return out;
}

function timed<T>(label: string, f: () => T): T {
  const start = performance.now();
  const result = f();
  const ms = performance.now() - start;
  assert.ok(ms < BUDGET_MS, `${label} took ${ms.toFixed(0)} ms`);
  return result;
}

function xml(body: string): XmlDocument {
  const r = parseRequestBody('XML', bytes(body), 'text/xml', L);
  assert.equal(r.error, undefined);
  assert.ok(r.xml);
  return r.xml;
}

function xmlError(body: string): string {
  const r = parseRequestBody('XML', body, 'text/xml', L);
  assert.equal(r.xml, undefined);
  assert.ok(r.error?.startsWith('XML parsing error: XML: Failed parsing document.'), r.error);
  return r.error ?? '';
}

function json(body: string, limits: BodyLimits = L): ParsedBody {
  return parseRequestBody('JSON', bytes(body), 'application/json', limits);
}

// ---------------------------------------------------------------------------------------------

describe('URL-encoded arguments (v3 extractArguments)', () => {
  it('splits and decodes like ModSecurity', () => {
    const cases: Array<[string, Array<[string, string]>]> = [
      ['', []],
      ['a=1&b=2', [['a', '1'], ['b', '2']]],
      ['a', [['a', '']]],
      ['a=', [['a', '']]],
      ['=v', [['', 'v']]],
      ['a=1&&b=2', [['a', '1'], ['', ''], ['b', '2']]],
      ['a=1&', [['a', '1']]],
      ['&', [['', '']]],
      ['&&', [['', ''], ['', '']]],
      ['a=b=c', [['a', 'b=c']]],
      ['a+b=c+d', [['a b', 'c d']]],
      ['%41%42=%61%62', [['AB', 'ab']]],
      ['a=%zz%4', [['a', '%zz%4']]],
      ['a=%%41', [['a', '%A']]],
      ['a=%', [['a', '%']]],
      ['a=%4', [['a', '%4']]],
      ['a=%41', [['a', 'A']]],
      ['k=%00%ff', [['k', '\x00\xff']]],
      ['%3d=%26', [['=', '&']]],
      ['x=caf%C3%A9', [['x', 'caf\xc3\xa9']]],
      ['a=1;b=2', [['a', '1;b=2']]],
    ];
    for (const [input, expected] of cases) assert.deepEqual(parseUrlEncoded(input), expected, input);
  });
  it('uses the first character of SecArgumentSeparator', () => {
    assert.deepEqual(parseUrlEncoded('a=1;b=2&c', ';'), [['a', '1'], ['b', '2&c']]);
    assert.deepEqual(parseUrlEncoded('a=1;b=2', ';&'), [['a', '1'], ['b', '2']]);
    assert.deepEqual(parseUrlEncoded('a=1&b', ''), [['a', '1'], ['b', '']]);
  });
  it('URLENCODED_ERROR: a bad escape in a value (v3 ignores the names)', () => {
    for (const [input, expected] of [
      ['a=1&b=%41', false],
      ['a=%zz', true],
      ['a=%4', true],
      ['a=1&b=%', true],
      ['a=%%41', true],
      ['a%zz=1', false],
      ['%', false],
      ['', false],
    ] as const) {
      assert.equal(urlEncodedError(input), expected, input);
    }
    assert.equal(urlEncodedError('a=%zz;b=1', ';'), true);
    timed('1 MB', () => assert.equal(urlEncodedError('a%&'.repeat(MB / 3)), false));
  });
  it('gives ARGS_POST for URLENCODED bodies and refuses more than SecArgumentsLimit', () => {
    assert.deepEqual(parseRequestBody('URLENCODED', 'a=1&b=2', '', L), { args: [['a', '1'], ['b', '2']], files: [], partHeaders: [] });
    const r = parseRequestBody('URLENCODED', 'a=1&b=2&c=3', '', { ...L, maxArgs: 2 });
    assert.deepEqual(r.args, [['a', '1'], ['b', '2']]);
    assert.match(r.error ?? '', /SecArgumentsLimit/);
    assert.equal(parseRequestBody('URLENCODED', 'a=1&b=2', '', { ...L, maxArgs: 2 }).error, undefined);
  });
  it('stays linear on adversarial input', () => {
    timed('1 MB of separators', () => assert.equal(parseUrlEncoded('a&'.repeat(MB / 2)).length, MB / 2));
    timed('1 MB without "="', () => assert.equal(parseUrlEncoded('x'.repeat(MB) + '&y=1').length, 2));
    const escapes = 'a=' + '%z+%4'.repeat(MB / 5);
    timed('1 MB of bad escapes', () => assert.equal(parseUrlEncoded(escapes)[0]?.[1].length, escapes.length - 2));
    timed('limited body', () => assert.equal(parseRequestBody('URLENCODED', 'a=1&'.repeat(MB / 4), '', L).args.length, 1000));
  });
});

// ---------------------------------------------------------------------------------------------

describe('multipart: normal bodies', () => {
  it('gives text parts as ARGS_POST, file parts with sizes, and every part header line', () => {
    const body =
      '--B\r\n' +
      `${CD('name')}\r\n\r\nBrian\r\n` +
      '--B\r\n' +
      'Content-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n' +
      'BINARY\r\nDATA\r\n' +
      '--B\r\n' +
      `${CD('empty')}\r\n\r\n\r\n` +
      '--B--\r\n';
    const r = multipart(body);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.args, [['name', 'Brian'], ['empty', '']]);
    assert.deepEqual(r.files, [{ field: 'image', filename: 'a.jpg', size: 12, contentType: 'image/jpeg' }]);
    assert.deepEqual(r.partHeaders, [
      ['name', CD('name')],
      ['image', 'Content-Disposition: form-data; name="image"; filename="a.jpg"'],
      ['image', 'Content-Type: image/jpeg'],
      ['empty', CD('empty')],
    ]);
    // v3 sets 2 (not 1) once a second boundary matched: "@eq 1" rules do not fire on clean bodies.
    assert.deepEqual(raised(r), { unmatchedBoundary: 2 });
  });
  it('keeps v3 quirks: line breaks inside a text field are dropped, files keep them', () => {
    const r = multipart(`--B\r\n${CD('t')}\r\n\r\nline1\r\nline2\nline3\r\n--B--\r\n`);
    assert.deepEqual(r.args, [['t', 'line1line2line3']]);
    const f = multipart('--B\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\nline1\r\nline2\nline3\r\n--B--\r\n');
    assert.equal(f.files[0]?.size, 'line1\r\nline2\nline3'.length);
  });
  it('keeps duplicate field names and parts in order; long values across 4096-byte pieces', () => {
    const long = 'x'.repeat(10000) + '\r' + 'y'.repeat(5000);
    const r = multipart(form(['a', '1'], ['a', '2'], ['b', long]));
    assert.deepEqual(r.args, [['a', '1'], ['a', '2'], ['b', long]]);
  });
  it('accepts a final boundary without line end, LF-only bodies, and v3\'s RFC 2046 boundary characters', () => {
    const r = multipart(`--B\r\n${CD('a')}\r\n\r\n1\r\n--B--`);
    assert.deepEqual(r.args, [['a', '1']]);
    assert.deepEqual(raised(r), {}, 'the end-of-body path does not set unmatchedBoundary to 2');
    const lf = multipart(`--B\n${CD('a')}\n\n1\n--B--\n`);
    assert.deepEqual(lf.args, [['a', '1']]);
    assert.deepEqual(raised(lf), { lfLine: 1, strictError: 1, unmatchedBoundary: 2 });
    const b = "09AZaz '()+_,-./:=?";
    const rfc = multipart(`--${b}\r\n${CD('a')}\r\n\r\n1\r\n--${b}--\r\n`, `multipart/form-data; boundary=${b}`);
    assert.equal(rfc.error, undefined);
    assert.deepEqual(rfc.args, [['a', '1']]);
  });
  it('reports no part for an empty body, without error', () => {
    const r = multipart('');
    assert.equal(r.error, undefined);
    assert.deepEqual([r.args, r.files, r.partHeaders], [[], [], []]);
  });
  it('tolerates a parameter after the boundary (some frameworks add charset)', () => {
    const r = multipart(form(['a', '1']), 'multipart/form-data; boundary=B; charset=UTF-8');
    assert.deepEqual(r.args, [['a', '1']]);
    assert.equal(r.error, undefined);
  });
});

describe('multipart: the boundary in Content-Type', () => {
  const refused = (ct: string): string | undefined => multipart(form(['a', '1']), ct).error;
  it('refuses what v3 refuses, with its messages', () => {
    const cases: Array<[string, string]> = [
      ['', 'Content-Type header not available.'],
      ['multipart/form-data; boundary=' + 'x'.repeat(1000), 'Invalid boundary in C-T (length).'],
      ['text/plain; boundary=B', 'Invalid MIME type.'],
      ['multipart/mixed; boundary=B', 'Invalid MIME type.'],
      ['multipart/form-data; boundary="0000"; boundary=1111', 'Multiple boundary parameters in C-T.'],
      ['multipart/form-data; boundary=0000, boundary=1111', 'Multiple boundary parameters in C-T.'],
      ['multipart/form-data; bOundAry=B', 'Invalid boundary in C-T (case sensitivity).'],
      ['multipart/form-data', 'Boundary not found in C-T.'],
      ['multipart/form-data, boundary=B', 'Invalid boundary in C-T (malformed).'],
      ['multipart/form-data; charset=x; boundary=B', 'Invalid boundary in C-T (malformed).'],
      ['multipart/form-data; boundary', 'Invalid boundary in C-T (malformed).'],
      ['multipart/form-data; boundary123=B', 'Invalid boundary in C-T (parameter name).'],
      ['multipart/form-data; boundary="B', 'Invalid boundary in C-T (quote).'],
      ['multipart/form-data; boundary=B"', 'Invalid boundary in C-T (quote).'],
      ['multipart/form-data; boundary="', 'Invalid boundary in C-T (quote).'],
      ['multipart/form-data; boundary=0000!1111', 'Invalid boundary in C-T (characters).'],
      ['multipart/form-data; boundary=B ', 'Invalid boundary in C-T (characters).'],
      ['multipart/form-data; boundary="00"00"', 'Invalid boundary in C-T (characters).'],
      ['multipart/form-data; boundary=;x', 'Invalid boundary in C-T (empty).'],
      // v3 returns without a message here and leaves the body unparsed; we refuse it (deviation).
      ['multipart/form-data; boundary=', 'Invalid boundary in C-T (empty).'],
      ['multipart/form-data; boundary=""', 'Invalid boundary in C-T (empty).'],
    ];
    for (const [ct, message] of cases) {
      const r = multipart(form(['a', '1']), ct);
      assert.equal(r.error, `Multipart parsing error: Multipart: ${message}`, ct);
      assert.deepEqual(r.args, [], ct);
      assert.equal(r.multipart?.strictError, 1, ct);
    }
  });
  it('accepts a case-insensitive MIME type and whitespace around the semicolon', () => {
    assert.equal(refused('MULTIPART/FORM-DATA; boundary=B'), undefined);
    assert.equal(refused('multipart/form-data ;\tboundary=B'), undefined);
  });
  it('stops reading the header at a NUL byte, as v3\'s C strings do', () => {
    assert.equal(refused('multipart/form-data; boundary=B\0junk'), undefined);
  });
});

describe('multipart: each flag, set exactly when v3 sets it', () => {
  const clean = form(['a', '1']);
  const cases: Array<[string, string, string, Partial<MultipartFlags>, BodyLimits?]> = [
    ['clean body', clean, MP, { unmatchedBoundary: 2 }],
    ['boundaryQuoted', clean, 'multipart/form-data; boundary="B"', { boundaryQuoted: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['boundaryWhitespace (after the name)', clean, 'multipart/form-data; boundary =B', { boundaryWhitespace: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['boundaryWhitespace (before the value)', form(['a', '1']).replaceAll('--B', '-- B'), 'multipart/form-data; boundary= B', { boundaryWhitespace: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['missingSemicolon', clean, 'multipart/form-data boundary=B', { missingSemicolon: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['dataBefore', 'preamble\r\n' + clean, MP, { dataBefore: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['dataAfter', clean + 'epilogue', MP, { dataAfter: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['headerFolding', '--B\r\nContent-Disposition: form-data;\r\n name="a"\r\n\r\n1\r\n--B--\r\n', MP, { headerFolding: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['invalidHeaderFolding (with headerFolding)', '--B\r\nContent-Disposition: form-data;\r\n\v name="a"\r\n\r\n1\r\n--B--\r\n', MP, { headerFolding: 1, invalidHeaderFolding: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['lfLine', clean.replaceAll('\r\n', '\n'), MP, { lfLine: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['crlfLfLines (with lfLine)', `--B\r\n${CD('a')}\n\r\n1\r\n--B--\r\n`, MP, { lfLine: 1, crlfLfLines: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['lfLine from a bare LF before a boundary', `--B\r\n${CD('a')}\r\n\r\n1\n--B--\r\n`, MP, { lfLine: 1, crlfLfLines: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['invalidQuoting (single quotes)', "--B\r\nContent-Disposition: form-data; name='a'\r\n\r\n1\r\n--B--\r\n", MP, { invalidQuoting: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['invalidQuoting (quote in a bare name)', "--B\r\nContent-Disposition: form-data; name=a'b\r\n\r\n1\r\n--B--\r\n", MP, { invalidQuoting: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['invalidPart (boundary where data should start)', `--B\r\n${CD('a')}\r\n\r\n--B\r\n${CD('b')}\r\n\r\n2\r\n--B--\r\n`, MP, { invalidPart: 1, strictError: 1, unmatchedBoundary: 2 }],
    ['fileLimitExceeded', '--B\r\nContent-Disposition: form-data; name="f"; filename="1"\r\n\r\nx\r\n'.repeat(2) + '--B--\r\n', MP, { fileLimitExceeded: 1, strictError: 1, unmatchedBoundary: 2 }, { ...L, maxFiles: 1 }],
    ['unmatchedBoundary 1 (foreign boundary line)', `--B1\r\n${CD('a')}\r\n\r\nx\r\n--A1\r\ny\r\n--B1--`, 'multipart/form-data; boundary=B1', { unmatchedBoundary: 1 }],
    ['unmatchedBoundary 1 (boundary inside a line)', `--B1\r\n${CD('a')}\r\n\r\nx--B1\r\n--B1--`, 'multipart/form-data; boundary=B1', { unmatchedBoundary: 1 }],
    ['strictError alone from a stopping error', `--B\r\n${CD('a')}\r\n\r\n1\r\n--Bx\r\n`, MP, { strictError: 1, unmatchedBoundary: 2 }],
  ];
  for (const [label, body, ct, expected, limits] of cases) {
    it(label, () => assert.deepEqual(raised(multipart(body, ct, limits ?? L)), expected));
  }
  it('invalidPart: the swallowed boundary and next part become data of the first (v3)', () => {
    const r = multipart(`--B\r\n${CD('a')}\r\n\r\n--B\r\n${CD('b')}\r\n\r\n2\r\n--B--\r\n`);
    assert.deepEqual(r.args, [['a', `--B${CD('b')}2`]]);
    assert.equal(r.error, undefined);
  });
  it('invalidPart: a part without a name is skipped', () => {
    const r = multipart(`--B\r\n\r\n1\r\n--B\r\n${CD('a')}\r\n\r\n2\r\n--B--`);
    assert.equal(r.multipart?.invalidPart, 1);
    assert.equal(r.multipart?.strictError, 1);
  });
  it('fileLimitExceeded: files are still listed, the error names the limit; 0 means no limit', () => {
    const body = '--B\r\nContent-Disposition: form-data; name="f"; filename="1"\r\n\r\nx\r\n'.repeat(3) + '--B--\r\n';
    const r = multipart(body, MP, { ...L, maxFiles: 2 });
    assert.equal(r.files.length, 3);
    assert.equal(r.error, 'Multipart parsing error: Multipart: Upload file limit exceeded 2. Use SecUploadFileLimit to change the limit.');
    assert.equal(raised(multipart(body, MP, { ...L, maxFiles: 3 })).fileLimitExceeded, undefined);
    assert.equal(raised(multipart(body, MP, { ...L, maxFiles: 0 })).fileLimitExceeded, undefined);
  });
});

describe('multipart: errors', () => {
  /** A single part whose headers end right before a final boundary without line end, so the
   * header's error is the last one v3 assigns. */
  const headerError = (...headers: string[]): string | undefined => multipart(`--B\r\n${headers.join('\r\n')}\r\n\r\n--B--`).error;
  const P = 'Multipart parsing error: Multipart: ';
  it('no boundary in the body, or no final boundary: no ARGS at all', () => {
    const none = multipart('just some data\r\n');
    assert.equal(none.error, P + 'No boundaries found in payload.');
    assert.deepEqual(raised(none), { dataBefore: 1, strictError: 1 });
    const open = multipart(`--B\r\n${CD('a')}\r\n\r\n1\r\n--B\r\n${CD('b')}\r\n\r\n2\r\n`);
    assert.equal(open.error, P + 'Final boundary missing.');
    assert.deepEqual(open.args, []);
    assert.deepEqual(open.partHeaders, [['a', CD('a')]], 'headers of finished parts are kept, as in v3');
  });
  it('part header problems, with v3\'s messages and its Content-Disposition codes', () => {
    assert.equal(headerError('X-Other: 1'), P + 'Part missing Content-Disposition header.');
    assert.equal(headerError('content-disposition: form-data; filename="x"'), P + 'Content-Disposition header missing name field.');
    assert.equal(headerError('Content-Disposition: form-data; name="a"; filename ="x"'), P + 'Invalid Content-Disposition header (filename).');
    // Header line problems stay the last message only when the blank line after them succeeds.
    assert.equal(headerError(CD('a'), 'no colon here'), P + 'Invalid part header (colon missing): no colon here\r\n');
    assert.equal(headerError('no colon here'), P + 'Part missing Content-Disposition header.', 'the blank line speaks last');
    assert.equal(headerError(CD('a'), ': value'), P + 'Invalid part header (header name missing).');
    assert.equal(headerError('\x0eContent-Disposition: form-data; name="x"', CD('a')), P + 'Invalid part header (contains invalid character).');
    assert.equal(headerError('Content-\x80Type: x', CD('a')), P + 'Invalid part header (contains invalid character).');
    assert.equal(headerError(' folded first', CD('a')), P + 'Invalid part header (folding error).');
    assert.equal(headerError('X: a\0b', CD('a')), P + 'Nul byte in part headers.');
    assert.equal(headerError(CD('a'), 'X: ' + 'y'.repeat(3000), ' ' + 'z'.repeat(3000)), P + 'Part header too long.');
    const codes: Array<[string, number]> = [
      ['Form-Data; name=a', -1],
      ['form-data name=a', -2],
      ['form-data; name=a; ', -3],
      ['form-data; name', -4],
      ['form-data; name ', -5],
      ['form-data; name= ', -6],
      ['form-data; name="', -7],
      ['form-data; name="a\\', -8],
      ['form-data; foo=bar', -11],
      ['form-data; name="a" x', -12],
      ['form-data; name x', -13],
      ['form-data; name=a; name=b', -14],
      ['form-data; name=a; filename=x; filename=y', -15],
      ['form-data; name=a; filename*=x', -16],
      ["form-data; name=a; filename*='x'", -16],
      ["form-data; name=a; filename*=utf-8'en", -17],
      ["form-data; name=a; filename*=utf-8''a%zz", -18],
      ["form-data; name=a; filename*=utf-8''a%4", -18],
      ["form-data; name=a; filename*=utf-8''a b", -19],
      ["form-data; name=a; filename=x; filename*=utf-8''a; filename*=utf-8''b", -20],
      ["form-data; name=a; filename*=utf-8''a", -21],
    ];
    for (const [value, rc] of codes) {
      assert.equal(headerError(`Content-Disposition: ${value}`), `${P}Invalid Content-Disposition header (${rc}): ${value}`, value);
    }
  });
  it('a stray quote before junk in Content-Disposition sets invalidQuoting', () => {
    const r = multipart('--B\r\nContent-Disposition: form-data; name="a"x\r\n\r\n--B--');
    assert.equal(r.error, 'Multipart parsing error: Multipart: Invalid Content-Disposition header (-12): form-data; name="a"x');
    assert.equal(r.multipart?.invalidQuoting, 1);
  });
  it('stopping errors end the parse; v3 then reports the missing final boundary', () => {
    const stops = [
      `--B\r\n${CD('a')}\r\n\r\n1\r\n--Bx\r\n--B--\r\n`, // Invalid boundary
      `--B\r\n${CD('a')}\r\n\r\n1\r\n--B-- x\r\n`, // Invalid boundary (junk after the final one)
      `--B\r\nX: ${'y'.repeat(5000)}\r\n\r\n--B--\r\n`, // Part header line over 4096 bytes long
      `--B\r\n${CD('a')}\r\n\r\n1\r\n-- B\r\n--B--\r\n`, // Invalid boundary (whitespace)
    ];
    for (const body of stops) {
      const r = multipart(body);
      assert.equal(r.error, P + 'Final boundary missing.', body.slice(0, 60));
      assert.equal(r.multipart?.strictError, 1);
      assert.deepEqual(r.args, []);
    }
    const quoted = multipart(`--B\r\n${CD('a')}\r\n\r\n1\r\n--"B"\r\n--B--\r\n`, 'multipart/form-data; boundary="B"');
    assert.equal(quoted.error, P + 'Final boundary missing.');
    assert.equal(multipart(`--"B"\r\n`, 'multipart/form-data; boundary="B"').error, P + 'No boundaries found in payload.');
  });
  it('never throws on garbage', () => {
    const shapes = ['\0', '--', '--B', '--B-', '\r', '\r\n\r\n', '--B\r\n', '--B\r\n\r\n', '--B--\r\n--B--\r\n', '--B\r\n:\r\n\r\n--B--', '\xff'.repeat(5000), '--B\r\n' + 'a:b\r\n'.repeat(3000)];
    for (const body of shapes) {
      for (const ct of [MP, 'multipart/form-data; boundary="B"', 'multipart/form-data; boundary=--']) {
        const r = multipart(body, ct);
        assert.ok(Array.isArray(r.args) && r.multipart !== undefined);
      }
    }
  });
});

describe('multipart: Content-Disposition values and MULTIPART_PART_HEADERS', () => {
  const nameOf = (disposition: string): string | undefined =>
    multipart(`--B\r\nContent-Disposition: ${disposition}\r\n\r\nv\r\n--B--\r\n`).args[0]?.[0];
  it('quoting rules: only the quote and backslash can be escaped; other backslashes stay', () => {
    assert.equal(nameOf('form-data; name="a\\"b"'), 'a"b');
    assert.equal(nameOf('form-data; name="a\\\\b"'), 'a\\b');
    assert.equal(nameOf('form-data; name="a\\xb"'), 'a\\xb');
    assert.equal(nameOf("form-data; name='a\\'b'"), "a'b");
    assert.equal(nameOf('form-data; name="a;b=c"'), 'a;b=c');
    assert.equal(nameOf('form-data; name=a'), 'a');
    assert.equal(nameOf('form-data;name=a;'), 'a');
    assert.equal(nameOf('form-data; name = \t"a"'), 'a');
    assert.equal(nameOf('form-data; name="unterminated'), 'unterminated');
  });
  it('file parts: filename quoting, filename* next to filename, the part Content-Type', () => {
    const file = (disposition: string): ParsedBody => multipart(`--B\r\nContent-Disposition: ${disposition}\r\n\r\n12345\r\n--B--\r\n`);
    assert.deepEqual(file('form-data; name="f"; filename="a\\"b.php"').files, [{ field: 'f', filename: 'a"b.php', size: 5, contentType: '' }]);
    assert.deepEqual(file("form-data; name=f; filename=x.txt; filename*=UTF-8''%C3%A9.txt").files[0]?.filename, 'x.txt');
    assert.equal(file('form-data; name="f"; filename=""').files.length, 0, 'an empty filename makes a text part');
  });
  it('records each header line under the part name, folded lines joined, without CR/LF', () => {
    const body =
      '--B\r\n' +
      'Content-Disposition: form-data;\r\n\tname="_charset_"\r\n' +
      'Content-Type: text/plain;\r\n charset=utf-7\r\n' +
      'Content-Transfer-Encoding: base64\r\n' +
      '\r\nutf-7\r\n--B--\r\n';
    const r = multipart(body);
    assert.deepEqual(r.partHeaders, [
      ['_charset_', 'Content-Disposition: form-data; name="_charset_"'],
      ['_charset_', 'Content-Type: text/plain; charset=utf-7'],
      ['_charset_', 'Content-Transfer-Encoding: base64'],
    ]);
    assert.deepEqual(r.args, [['_charset_', 'utf-7']]);
  });
  it('records a repeated header too (v3 drops it silently; it could hide a second Content-Type)', () => {
    const r = multipart(`--B\r\n${CD('a')}\r\nContent-Type: text/plain\r\ncontent-type: text/html; charset=utf-7\r\n\r\nv\r\n--B--\r\n`);
    assert.deepEqual(r.partHeaders.map(([, line]) => line), [CD('a'), 'Content-Type: text/plain', 'content-type: text/html; charset=utf-7']);
    assert.equal(r.error, undefined);
  });
  it('keeps header bytes as they are (byte strings)', () => {
    const r = multipart(bytes(`--B\r\nContent-Disposition: form-data; name="é"\r\nX-Ü: ä\r\n\r\nv\r\n--B--\r\n`));
    assert.equal(r.args[0]?.[0], bytes('é'));
    assert.equal(r.error, 'Multipart parsing error: Multipart: Invalid part header (contains invalid character).');
  });
});

describe('multipart: adversarial sizes', () => {
  it('100k parts', () => {
    const body = '--B\nContent-Disposition: form-data; name=a\n\nv\n'.repeat(100_000) + '--B--\n';
    const r = timed('100k parts', () => multipart(body, MP, { ...L, maxArgs: 200_000 }));
    assert.equal(r.args.length, 100_000);
    assert.equal(r.partHeaders.length, 100_000);
    const limited = timed('100k parts, default limit', () => multipart(body));
    assert.equal(limited.args.length, 1000);
    assert.match(limited.error ?? '', /SecArgumentsLimit/);
  });
  it('1 MB lines without line end, of CR, of NUL, of dashes against a boundary of dashes', () => {
    const open = `--B\r\n${CD('a')}\r\n\r\n`;
    timed('no LF', () => assert.equal(multipart(open + 'x'.repeat(MB) + '\r\n--B--\r\n').args[0]?.[1].length, MB));
    timed('CRs', () => assert.equal(multipart(open + '\r'.repeat(MB) + '\r\n--B--\r\n').args[0]?.[1].length, MB));
    timed('NULs', () => assert.equal(multipart(open + '\0\n'.repeat(MB / 2) + '--B--\r\n').args[0]?.[1].length, MB / 2));
    // Every line is searched for "--boundary": with a boundary of dashes and lines of dashes.
    const dashes = '-'.repeat(500);
    const r = timed('dashes', () => multipart(`--${dashes}\r\n${CD('a')}\r\n\r\n` + ('x' + '-'.repeat(4000) + '\n').repeat(250) + `--${dashes}--\r\n`, `multipart/form-data; boundary=${dashes}`));
    assert.equal(r.error, undefined);
    assert.equal(r.args[0]?.[1].length, 250 * 4001);
  });
  it('folding and blank-line floods in headers stay linear', () => {
    timed('fold + blank pairs', () => multipart(`--B\r\nContent-Disposition: form-data; filename*=utf-8''x; name="a"\r\n` + ' x\n\n'.repeat(MB / 4) + '--B--\r\n'));
    timed('blank lines after a bad header', () => multipart(`--B\r\nContent-Disposition: form-data; name="a"; ${'x=y;'.repeat(1000)}\r\n` + '\n'.repeat(MB) + '--B--\r\n'));
    const r = timed('one long folded header', () => multipart(`--B\r\n${CD('a')}\r\nX: 1\r\n` + ' x\r\n'.repeat(MB / 4) + '\r\nv\r\n--B--\r\n'));
    assert.equal(r.error, 'Multipart parsing error: Multipart: Part header too long.');
    assert.deepEqual(r.args, [['a', 'v']]);
  });
  it('many headers in one part, many files', () => {
    timed('headers', () => multipart(`--B\r\n${CD('a')}\r\n` + 'X: y\r\n'.repeat(MB / 6) + '\r\nv\r\n--B--\r\n'));
    const files = timed('files', () => multipart('--B\nContent-Disposition: form-data; name="f"; filename="x"\n\nx\n'.repeat(20_000) + '--B--\n'));
    assert.equal(files.files.length, 20_000);
    assert.equal(files.multipart?.fileLimitExceeded, 1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('JSON: argument names as ModSecurity v3 makes them', () => {
  const names: Array<[string, Array<[string, string]>]> = [
    ['{"a":1}', [['json.a', '1']]],
    ['{"a":{"b":{"c":"x"}}}', [['json.a.b.c', 'x']]],
    ['{"a":[1,2]}', [['json.a.array_0', '1'], ['json.a.array_1', '2']]],
    ['{"a":[{"b":1},{"b":2,"c":3}]}', [['json.a.array_0.b', '1'], ['json.a.array_1.b', '2'], ['json.a.array_1.c', '3']]],
    ['[[1,2],[3]]', [['json.array_0.array_0', '1'], ['json.array_0.array_1', '2'], ['json.array_1.array_0', '3']]],
    ['[1,[2,[3]],4]', [['json.array_0', '1'], ['json.array_1.array_0', '2'], ['json.array_1.array_1.array_0', '3'], ['json.array_2', '4']]],
    ['{"a":[],"b":{},"c":[[],{}],"d":1}', [['json.d', '1']]],
    ['[]', []],
    ['{}', []],
    ['"top"', [['json', 'top']]],
    ['42', [['json', '42']]],
    ['null', [['json', '']]],
    ['{"":1,"x":{"":2}}', [['json.empty-key', '1'], ['json.x.empty-key', '2']]],
    ['{"":[1]}', [['json.empty-key.array_0', '1']]],
    ['[{"":1}]', [['json.array_0.empty-key', '1']]],
    ['{"a":1,"a":2,"b":{"a":3}}', [['json.a', '1'], ['json.a', '2'], ['json.b.a', '3']]],
    ['{"a.b":1}', [['json.a.b', '1']]],
    ['{"t":true,"f":false,"n":null,"i":-0,"d":1.50,"e":-1.5E+3}', [['json.t', 'true'], ['json.f', 'false'], ['json.n', ''], ['json.i', '-0'], ['json.d', '1.50'], ['json.e', '-1.5E+3']]],
  ];
  for (const [body, expected] of names) {
    it(body, () => {
      const r = json(body);
      assert.equal(r.error, undefined);
      assert.deepEqual(r.args, expected);
    });
  }
  it('unicode keys and values come out as UTF-8 byte strings; escapes are decoded to bytes', () => {
    assert.deepEqual(json('{"ключ":"é😀"}').args, [[bytes('json.ключ'), bytes('é😀')]]);
    assert.deepEqual(json('{"k":"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/"}').args, [['json.k', bytes('é😀\n\t"\\/')]]);
    assert.deepEqual(json('{"k":"a\\u0000b"}').args, [['json.k', 'a\0b']]);
  });
  it('keeps yajl\'s decoding quirks', () => {
    assert.deepEqual(json('["\\ud800abc"]').args, [['json.array_0', '?bc']], 'a lone high surrogate eats the next byte');
    assert.deepEqual(json('["\\ud800\\u0041"]').args, [['json.array_0', bytes('\u{10041}')]], 'and pairs with any \\u');
    assert.deepEqual(json('["\\udc00"]').args, [['json.array_0', '\xed\xb0\x80']], 'a lone low surrogate is encoded as is');
    const overlong = parseRequestBody('JSON', '["\xc0\x80"]', '', L);
    assert.deepEqual(overlong.args, [['json.array_0', '\xc0\x80']], 'yajl only checks UTF-8 bit patterns');
  });
});

describe('JSON: errors (REQBODY_ERROR) with yajl\'s messages', () => {
  const P = 'JSON parsing error: ';
  const cases: Array<[string, string, Array<[string, string]>]> = [
    [' ', 'parse error: premature EOF', []],
    ['{', 'parse error: premature EOF', []],
    ['[1', 'parse error: premature EOF', [['json.array_0', '1']]],
    ['{"a":"open', 'parse error: premature EOF', []],
    ['{"a":1,}', 'parse error: invalid object key (must be a string)', [['json.a', '1']]],
    ['{1:2}', 'parse error: invalid object key (must be a string)', []],
    ['[1,]', 'parse error: unallowed token at this point in JSON text', [['json.array_0', '1']]],
    ['[:]', 'parse error: unallowed token at this point in JSON text', []],
    ['{"a" 1}', "parse error: object key and value must be separated by a colon (':')", []],
    ['{"a":1 "b":2}', "parse error: after key and value, inside map, I expect ',' or '}'", [['json.a', '1']]],
    ['[1 2]', "parse error: after array element, I expect ',' or ']'", [['json.array_0', '1']]],
    ['[1]x', 'parse error: trailing garbage', [['json.array_0', '1']]],
    ['{} {}', 'parse error: trailing garbage', []],
    ['1 2', 'parse error: trailing garbage', [['json', '1']]],
    ['a', 'lexical error: invalid char in json text.', []],
    ['\ufeff{}', 'lexical error: invalid char in json text.', []],
    ["{'a':1}", 'lexical error: invalid char in json text.', []],
    ['tru', 'lexical error: invalid string in json text.', []],
    ['nul', 'lexical error: invalid string in json text.', []],
    ['/**/{}', 'lexical error: probable comment found in input text, comments are not enabled.', []],
    ['-', 'lexical error: malformed number, a digit is required after the minus sign.', []],
    ['1.', 'lexical error: malformed number, a digit is required after the decimal point.', []],
    ['1e+', 'lexical error: malformed number, a digit is required after the exponent.', []],
    ['["a\\x"]', "lexical error: inside a string, '\\' occurs before a character which it may not.", []],
    ['["\\u12G4"]', "lexical error: invalid (non-hex) character occurs after '\\u' inside string.", []],
    ['["a\tb"]', 'lexical error: invalid character inside string.', []],
  ];
  for (const [body, message, args] of cases) {
    it(JSON.stringify(body), () => {
      const r = json(body);
      assert.equal(r.error, P + message);
      assert.deepEqual(r.args, args);
    });
  }
  it('invalid UTF-8 inside strings', () => {
    for (const body of ['["\xff"]', '["\xc3"]', '["\xe2\x82"]', '["\x80"]']) {
      assert.equal(parseRequestBody('JSON', body, '', L).error, P + 'lexical error: invalid bytes in UTF8 string.', JSON.stringify(body));
    }
  });
  it('an empty body is not an error (v3 ignores it)', () => assert.deepEqual(json(''), { args: [], files: [], partHeaders: [] }));
  it('SecRequestBodyJsonDepthLimit: deeper nesting cancels the parse', () => {
    const body = '{"k1":{"k2":{"k3":{"k4":{"k5":"v"}}}}}';
    assert.deepEqual(json(body, { ...L, jsonDepth: 5 }).args, [['json.k1.k2.k3.k4.k5', 'v']]);
    assert.equal(json(body, { ...L, jsonDepth: 4 }).error, P + 'parse error: client cancelled parse via callback return value. Parsing depth limit exceeded');
    assert.equal(json('[[1]]', { ...L, jsonDepth: 1 }).error, P + 'parse error: client cancelled parse via callback return value. Parsing depth limit exceeded');
  });
  it('SecArgumentsLimit: one argument too many cancels the parse, as in v3', () => {
    const r = json('{"k1":"v1","k2":"v2","k3":"v3"}', { ...L, maxArgs: 2 });
    assert.deepEqual(r.args, [['json.k1', 'v1'], ['json.k2', 'v2']]);
    assert.equal(r.error, P + 'parse error: client cancelled parse via callback return value');
    assert.equal(json('{"k1":"v1","k2":"v2"}', { ...L, maxArgs: 2 }).error, undefined);
  });
  it('adversarial sizes', () => {
    const deep = timed('100k nesting, default limit', () => json('['.repeat(100_000) + ']'.repeat(100_000)));
    assert.match(deep.error ?? '', /depth limit exceeded/);
    const r = timed('100k nesting allowed', () => json('['.repeat(100_000) + '1' + ']'.repeat(100_000), { ...L, jsonDepth: 1e6 }));
    assert.equal(r.args[0]?.[0], 'json' + '.array_0'.repeat(100_000));
    timed('100k nested maps allowed', () => json('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), { ...L, jsonDepth: 1e6 }));
    timed('unclosed 1 MB of [', () => json('['.repeat(MB), { ...L, jsonDepth: 2 * MB }));
    timed('1 MB string with escapes', () => assert.equal(json('["' + '\\u00e9\\n'.repeat(MB / 8) + '"]').args[0]?.[1].length, (MB / 8) * 3));
    timed('1 MB of numbers', () => assert.equal(json('[' + '1,'.repeat(MB / 2) + '1]', { ...L, maxArgs: MB }).args.length, MB / 2 + 1));
  });
});

// ---------------------------------------------------------------------------------------------

describe('XML: parsing', () => {
  it('XML:/* is the text of the whole document, XML://@* every attribute value', () => {
    const d = xml('<?xml version="1.0"?>\n<a x="1">hi <b y="2" z="3">there</b><!-- no --><?pi no?><![CDATA[<raw>]]>!</a>\n');
    assert.deepEqual(d.select('/*'), ['hi there<raw>!']);
    assert.deepEqual(d.select('//@*'), ['1', '2', '3']);
  });
  it('never expands entities beyond the predefined ones and character references', () => {
    const d = xml('<!DOCTYPE a [<!ENTITY e "boom"><!ENTITY % p "x">]><a t="&e;&amp;&#x41;">&e;&lt;&gt;&amp;&apos;&quot;&#65;&#x1F600;</a>');
    assert.deepEqual(d.select('/*'), [bytes('&e;<>&\'"A😀')]);
    assert.deepEqual(d.select('//@*'), ['&e;&A']);
  });
  it('billion laughs and external entities are inert', () => {
    const levels = ['<!ENTITY lol0 "lol">'];
    for (let i = 1; i < 10; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    const laughs = timed('billion laughs', () => xml(`<?xml version="1.0"?><!DOCTYPE lolz [${levels.join('')}]><lolz>&lol9;</lolz>`));
    assert.deepEqual(laughs.select('/*'), ['&lol9;']);
    const xxe = xml('<!DOCTYPE foo [<!ELEMENT foo ANY><!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>');
    assert.deepEqual(xxe.select('/*'), ['&xxe;']);
    const external = xml('<!DOCTYPE foo SYSTEM "http://evil/x.dtd"><foo>&unknown;</foo>');
    assert.deepEqual(external.select('/*'), ['&unknown;'], 'with an external subset, libxml2 cannot know all entities either');
  });
  it('normalises line ends and attribute whitespace as XML says', () => {
    const d = xml('<a t="x\ty\r\nz&#10;">1\r\n2\r3</a>');
    assert.deepEqual(d.select('/*'), ['1\n2\n3']);
    assert.deepEqual(d.select('//@*'), ['x y z\n']);
  });
  it('keeps namespaces as prefixed names; xmlns declarations are not attributes', () => {
    const d = xml('<soap:Envelope xmlns:soap="urn:s" xmlns="urn:d"><soap:Body soap:a="1"><x>v</x></soap:Body></soap:Envelope>');
    assert.deepEqual(d.select('//@*'), ['1']);
    assert.deepEqual(d.select('/soap:Envelope/soap:Body/x'), ['v']);
    assert.deepEqual(d.select('//soap:*/@soap:a'), ['1']);
  });
  it('brings other encodings to UTF-8 bytes, as libxml2 does', () => {
    assert.deepEqual(parseRequestBody('XML', '<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9\x80</a>', '', L).xml?.select('/*'), ['\xc3\xa9\xc2\x80']);
    assert.deepEqual(parseRequestBody('XML', Buffer.from('\ufeff<a>é</a>', 'utf16le').toString('latin1'), '', L).xml?.select('/*'), [bytes('é')]);
    assert.deepEqual(parseRequestBody('XML', Buffer.from('<a>é</a>', 'utf16le').swap16().toString('latin1'), '', L).xml?.select('/*'), [bytes('é')]);
    assert.deepEqual(parseRequestBody('XML', '\xef\xbb\xbf<a>\xc3\xa9</a>', '', L).xml?.select('/*'), ['\xc3\xa9']);
    assert.deepEqual(parseRequestBody('XML', '<?xml version="1.0" encoding="windows-1252"?><a>\x80</a>', '', L).xml?.select('/*'), [bytes('€')]);
  });
  it('refuses what libxml2 refuses (REQBODY_ERROR), never throwing', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /Document is empty/],
      ['   ', /Start tag expected/],
      ['text', /Start tag expected/],
      ['<a>', /Premature end of data in tag a/],
      ['<a></b>', /tag mismatch: a and b/],
      ['<a/><b/>', /Extra content/],
      ['<a/>text', /Extra content/],
      ['</a>', /Start tag expected/],
      ['<a b="1" b="2"/>', /Attribute b redefined/],
      ['<a xmlns:p="1" xmlns:p="2"/>', /Attribute xmlns:p redefined/],
      ['<a b=1/>', /AttValue/],
      ['<a b="1"c="2"/>', /attributes construct error/],
      ['<a b/>', /Specification mandates value/],
      ['<a b="<"/>', /Unescaped '<'/],
      ['<a b="x/>', /AttValue/],
      ['<a>\x01</a>', /invalid Char value 1/],
      ['<a>]]></a>', /']]>' not allowed/],
      ['<a>&e;</a>', /Entity 'e' not defined/],
      ['<a>&;</a>', /no name/],
      ['<a>&amp</a>', /expecting ';'/],
      ['<a>&#0;</a>', /invalid xmlChar value 0/],
      ['<a>&#xD800;</a>', /invalid xmlChar value/],
      ['<a>&#99999999999;</a>', /invalid xmlChar value/],
      ['<a>&#x;</a>', /invalid character reference/],
      ['<a><!-- a -- b --></a>', /Double hyphen/],
      ['<a><!-- open</a>', /Comment not terminated/],
      ['<a><![CDATA[open</a>', /CData section not finished/],
      ['<a><?pi open</a>', /never end/],
      ['<a><?xml version="1.0"?></a>', /XML declaration allowed only at the start/],
      [' <?xml version="1.0"?><a/>', /XML declaration allowed only at the start/],
      ['<?xml encoding="utf-8"?><a/>', /Malformed XML declaration/],
      ['<![CDATA[x]]><a/>', /Start tag expected/],
      ['<!DOCTYPE a><!DOCTYPE a><a/>', /DOCTYPE not allowed/],
      ['<a/><!DOCTYPE a>', /DOCTYPE not allowed/],
      ['<!DOCTYPE a [<!ENTITY e "x"><a/>', /Internal subset not finished|Markup declaration/],
      ['<!DOCTYPE a [<!FOO>]><a/>', /Markup declaration/],
      ['<!DOCTYPE a [<!ENTITY e "open]><a/>', /Unfinished literal/],
      ['<a>\xff</a>', /not proper UTF-8/],
      ['<a>\xc0\x80</a>', /not proper UTF-8/],
      ['<a>\xed\xa0\x80</a>', /not proper UTF-8/],
      ['<?xml version="1.0" encoding="no-such-encoding"?><a/>', /Unsupported encoding/],
      ['<?xml version="1.0" encoding="us-ascii"?><a>\xe9</a>', /US-ASCII/],
      ['<' + 'a'.repeat(20), /Couldn't find end of Start Tag/],
      ['<1a/>', /invalid element name/],
    ];
    for (const [body, expected] of cases) assert.match(xmlError(body), expected, JSON.stringify(body));
  });
  it('allows libxml2\'s nesting depth and refuses deeper documents', () => {
    const ok = xml('<a>'.repeat(257) + 'x' + '</a>'.repeat(257));
    assert.equal(ok.select('//*').length, 257);
    assert.match(xmlError('<a>'.repeat(258) + '</a>'.repeat(258)), /Excessive depth in document: 256/);
  });
  it('adversarial sizes', () => {
    assert.match(timed('100k nesting', () => xmlError('<a>'.repeat(100_000) + '</a>'.repeat(100_000))), /Excessive depth/);
    const flat = '<r>' + '<a x="1" y="2">t</a>'.repeat(50_000) + '</r>';
    const d = timed('1 MB flat document', () => xml(flat));
    timed('//* on it', () => assert.equal(d.select('//*').length, 50_001));
    timed('//@* on it', () => assert.equal(d.select('//@*').length, 100_000));
    timed('//*//* on it', () => assert.equal(d.select('//*//*').length, 50_000));
    const deep = xml('<a b="1">'.repeat(257) + '</a>'.repeat(257));
    timed('//*//@* on a deep one', () => assert.equal(deep.select('//*//@*').length, 257));
    let attributes = '<a';
    for (let i = 0; i < 100_000; i++) attributes += ` a${i}="v"`;
    timed('100k attributes', () => assert.equal(xml(attributes + '/>').select('//@*').length, 100_000));
    timed('100k attributes, one repeated', () => assert.match(xmlError(attributes + ' a7="x"/>'), /redefined/));
    timed('1 MB DOCTYPE', () => xml('<!DOCTYPE a [' + '<!ENTITY e "x">'.repeat(60_000) + ']><a>&e;</a>'));
    timed('1 MB comment of dashes', () => xml('<a><!--' + '-x'.repeat(MB / 2) + '--></a>'));
    timed('1 MB of ]]', () => xml('<a>' + ']]'.repeat(MB / 2) + '</a>'));
    timed('1 MB of references', () => xml('<a>' + '&amp;&#65;'.repeat(MB / 10) + '</a>'));
  });
});

describe('XML: the XPath subset', () => {
  const d = xml('<r><a id="1" k="x">x<b>y</b></a><a id="2">z</a><c>w<!--c--><?p d?></c><p:q xmlns:p="u" p:at="9">n</p:q></r>');
  const cases: Array<[string, string[]]> = [
    ['/', ['xyzwn']],
    ['/*', ['xyzwn']],
    ['/r', ['xyzwn']],
    ['/x', []],
    ['r/a', ['xy', 'z']],
    ['/r/a', ['xy', 'z']],
    ['//a', ['xy', 'z']],
    ['//a/b', ['y']],
    ['/r//b', ['y']],
    ['//*', ['xyzwn', 'xy', 'y', 'z', 'w', 'n']],
    ['/r/*', ['xy', 'z', 'w', 'n']],
    ['//a[1]', ['xy']],
    ['//a[2]', ['z']],
    ['//a[3]', []],
    ['/r/*[last()]', ['n']],
    ['//a[@id]', ['xy', 'z']],
    ['//a[@k]', ['xy']],
    ["//a[@id='2']", ['z']],
    ['//a[@id="1"][@k="x"]', ['xy']],
    ['//a[@*]', ['xy', 'z']],
    ['//a[b]', ['xy']],
    ["//*[b='y']", ['xy']],
    ['//a[text()]', ['xy', 'z']],
    ["//*[text()='w']", ['w']],
    ["//*[local-name()='q']", ['n']],
    ["//*[name()='p:q']", ['n']],
    ['//@id', ['1', '2']],
    ['//a/@*', ['1', 'x', '2']],
    ['//@*', ['1', 'x', '2', '9']],
    ['//p:q/@p:at', ['9']],
    ['//p:*', ['n']],
    ['//text()', ['x', 'y', 'z', 'w', 'n']],
    ['//a/text()', ['x', 'z']],
    ['//c/node()', ['w', 'c', 'd']],
    ['//comment()', ['c']],
    ['//processing-instruction()', ['d']],
    ['//b/..', ['xy']],
    ['//b/../..', ['xyzwn']],
    ['//a/.', ['xy', 'z']],
    ['/descendant::b', ['y']],
    ['/r/child::a/attribute::id', ['1', '2']],
    ['//b/parent::a', ['xy']],
    ['//b/self::b', ['y']],
    ['/descendant-or-self::c', ['w']],
    ['//a//text()', ['x', 'y', 'z']],
    ['//*//b', ['y']],
  ];
  for (const [expression, expected] of cases) it(expression, () => assert.deepEqual(d.select(expression), expected));
  it('answers repeated queries from a cache, with a fresh array each time', () => {
    const first = d.select('//@*');
    first.push('changed');
    assert.deepEqual(d.select('//@*'), ['1', 'x', '2', '9']);
  });
  it('throws a clear Error for what it does not support', () => {
    for (const expression of ['', 'count(//a)', '//a[position()=1]', '//a | //b', '//a[1+1]', 'following::a', '//a[@id=1]', '$x', '//a[', '//a/', '/descendant::a[1]', '"lit"']) {
      assert.throws(() => d.select(expression), (e: unknown) => e instanceof Error && /XPath expression .* is not supported/.test(e.message), expression);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('parseRequestBody', () => {
  it('answers an unknown processor with an error, not a throw', () => {
    const r = parseRequestBody('YAML' as BodyProcessorName, 'a: 1', '', L);
    assert.equal(r.error, 'Unknown request body processor: YAML');
  });
  it('never throws on random bytes, for any processor', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = '<>/="\'&;#[]{}:,-\r\n\t \0\\abB0x?!%+';
    for (let n = 0; n < 300; n++) {
      let s = '';
      const len = random() % 200;
      for (let i = 0; i < len; i++) s += random() % 4 === 0 ? String.fromCharCode(random() % 256) : alphabet[random() % alphabet.length];
      for (const p of ['URLENCODED', 'MULTIPART', 'JSON', 'XML'] as const) {
        const r = parseRequestBody(p, p === 'MULTIPART' ? '--B\r\n' + s : s, MP, L);
        assert.ok(Array.isArray(r.args));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// ModSecurity's own regression cases, read from its source mirror when there is one.

interface ModsecCase {
  title: string;
  request: { uri?: string; headers?: Record<string, string>; body?: string[] };
  rules?: string[];
  expected?: { http_code?: number; debug_log?: string };
}

function modsecCases(file: string): ModsecCase[] | null {
  if (!existsSync(MODSEC_MIRROR)) return null;
  try {
    const text = execFileSync('git', ['-C', MODSEC_MIRROR, 'show', `HEAD:test/test-cases/regression/${file}`], { encoding: 'utf8' });
    return JSON.parse(text) as ModsecCase[];
  } catch {
    return null;
  }
}

const FLAG_VARIABLES: Readonly<Record<string, keyof MultipartFlags>> = {
  MULTIPART_STRICT_ERROR: 'strictError',
  MULTIPART_BOUNDARY_QUOTED: 'boundaryQuoted',
  MULTIPART_BOUNDARY_WHITESPACE: 'boundaryWhitespace',
  MULTIPART_DATA_BEFORE: 'dataBefore',
  MULTIPART_DATA_AFTER: 'dataAfter',
  MULTIPART_HEADER_FOLDING: 'headerFolding',
  MULTIPART_LF_LINE: 'lfLine',
  MULTIPART_CRLF_LF_LINES: 'crlfLfLines',
  MULTIPART_MISSING_SEMICOLON: 'missingSemicolon',
  MULTIPART_INVALID_QUOTING: 'invalidQuoting',
  MULTIPART_INVALID_PART: 'invalidPart',
  MULTIPART_INVALID_HEADER_FOLDING: 'invalidHeaderFolding',
  MULTIPART_FILE_LIMIT_EXCEEDED: 'fileLimitExceeded',
  MULTIPART_UNMATCHED_BOUNDARY: 'unmatchedBoundary',
};

/** The values of one rule variable over a parsed body, or null if we cannot tell. */
function variableValues(variable: string, r: ParsedBody): string[] | null {
  const flag = FLAG_VARIABLES[variable];
  if (flag !== undefined) return [String(r.multipart?.[flag] ?? 0)];
  if (variable === 'REQBODY_ERROR' || variable === 'REQBODY_PROCESSOR_ERROR') return [r.error === undefined ? '0' : '1'];
  if (variable === '&FILES' || variable === '&FILES_NAMES' || variable === '&FILES_SIZES') return [String(r.files.length)];
  const m = /^ARGS(?:_POST)?(?::(.+))?$/.exec(variable);
  if (m) {
    const key = m[1];
    if (key === undefined) return r.args.map(([, v]) => v);
    const re = key.startsWith('/') && key.endsWith('/') ? new RegExp(key.slice(1, -1)) : null;
    return r.args.filter(([n]) => (re ? re.test(n) : n.toLowerCase() === key.toLowerCase())).map(([, v]) => v);
  }
  return null;
}

/** Evaluates the rules of a case that only look at what a body processor gives; null if others. */
function deniedStatus(rules: readonly string[], r: ParsedBody): number | 'unknown' | null {
  for (const rule of rules) {
    if (!rule.startsWith('SecRule ')) continue;
    if (rule.startsWith('SecRule REQUEST_HEADERS:Content-Type ')) continue; // selects the processor
    const m = /^SecRule\s+(\S+)\s+"(!?)@(eq|rx|streq|contains)\s+([^"]*)"\s+"([^"]*)"$/.exec(rule);
    if (m === null) return 'unknown';
    const [, variable = '', negated, op, arg = '', actions = ''] = m;
    if (actions.includes('chain')) return 'unknown';
    const values = variableValues(variable, r);
    if (values === null) return 'unknown';
    const test = (v: string): boolean => (op === 'eq' ? Number(v) === Number(arg) : op === 'rx' ? new RegExp(arg).test(v) : op === 'streq' ? v === arg : v.includes(arg));
    const hit = negated ? values.some((v) => !test(v)) : values.some(test);
    if (hit && /\bdeny\b/.test(actions)) return Number(/status:(\d+)/.exec(actions)?.[1] ?? 403);
  }
  return null;
}

function limitsFor(c: ModsecCase): BodyLimits {
  let limits: BodyLimits = L;
  for (const rule of c.rules ?? []) {
    const files = /^SecUploadFileLimit\s+(\d+)/.exec(rule);
    if (files) limits = { ...limits, maxFiles: Number(files[1]) };
    const depth = /^SecRequestBodyJsonDepthLimit\s+(\d+)/.exec(rule);
    if (depth) limits = { ...limits, jsonDepth: Number(depth[1]) };
    const args = /^SecArgumentsLimit\s+(\d+)/.exec(rule);
    if (args) {
      // v3 counts ARGS_GET against the limit too.
      const query = (c.request.uri ?? '').split('?')[1] ?? '';
      limits = { ...limits, maxArgs: Number(args[1]) - parseUrlEncoded(query).length };
    }
  }
  return limits;
}

/** Checks what we can of one case; returns whether something was checked. */
function checkModsecCase(c: ModsecCase, processor: BodyProcessorName): boolean {
  const contentType = c.request.headers?.['Content-Type'] ?? '';
  // ModSecurity's test runner ends every line of "body" with "\n".
  const body = bytes((c.request.body ?? []).map((l) => l + '\n').join(''));
  const r = parseRequestBody(processor, body, contentType, limitsFor(c));
  let checked = false;
  const status = deniedStatus(c.rules ?? [], r);
  if (c.expected?.http_code !== undefined && status !== 'unknown') {
    assert.equal(status ?? 200, c.expected.http_code, `${c.title}: status`);
    checked = true;
  }
  const log = c.expected?.debug_log ?? '';
  const arg = /Adding request argument \\\(BODY\\\): name "([^"]*)", value "([^"]*)"/.exec(log);
  if (arg) {
    assert.ok(r.args.some(([n, v]) => n === arg[1] && v === arg[2]), `${c.title}: argument ${arg[1]}=${arg[2]}`);
    checked = true;
  }
  // "Target value: "v" \(Variable: NAME:key\)", or with '.' for the parentheses.
  const target = /Target value: "([^"]*)" (?:\\\(|\.)Variable: ([A-Z_]+)(?::([^\\]+))?(?:\\\)|\.)/.exec(log);
  if (target) {
    const [, value = '', variable = '', key] = target;
    let values: string[] | null = variableValues(key === undefined ? variable : `${variable}:${key}`, r);
    if (variable === 'FILES_SIZES') values = r.files.filter((f) => f.field === key).map((f) => String(f.size));
    if (variable === 'ARGS') values = r.args.filter(([n]) => n === key).map(([, v]) => v);
    if (values !== null) {
      assert.ok(values.includes(value), `${c.title}: ${variable}${key ? ':' + key : ''} = ${value} (got ${JSON.stringify(values)})`);
      checked = true;
    }
  }
  const jsonName = /^(json(?:\.[a-z0-9_]+)+)$/.exec(log);
  if (jsonName) {
    assert.ok(r.args.some(([n]) => n === jsonName[1]), `${c.title}: argument ${jsonName[1]}`);
    checked = true;
  }
  return checked;
}

describe("ModSecurity's regression cases (from its source mirror)", () => {
  const multipartFiles = [
    'request-body-parser-multipart.json',
    'request-body-parser-multipart-crlf.json',
    'variable-MULTIPART_PART_HEADERS.json',
    'variable-MULTIPART_STRICT_ERROR.json',
    'variable-MULTIPART_UNMATCHED_BOUNDARY.json',
    'variable-MULTIPART_CRLF_LF_LINES.json',
    'variable-MULTIPART_INVALID_HEADER_FOLDING.json',
    'variable-FILES_SIZES.json',
  ];
  it('multipart cases', (t) => {
    let checked = 0;
    for (const file of multipartFiles) {
      const cases = modsecCases(file);
      if (cases === null) return t.skip(`ModSecurity source mirror not found at ${MODSEC_MIRROR} (set PORTCULLIS_MODSEC_MIRROR)`);
      for (const c of cases) if (/multipart/i.test(c.request.headers?.['Content-Type'] ?? '') && checkModsecCase(c, 'MULTIPART')) checked++;
    }
    assert.ok(checked >= 50, `only ${checked} cases could be checked`);
  });
  it('JSON cases', (t) => {
    let checked = 0;
    for (const file of ['request-body-parser-json.json', 'secargumentslimit.json']) {
      const cases = modsecCases(file);
      if (cases === null) return t.skip(`ModSecurity source mirror not found at ${MODSEC_MIRROR} (set PORTCULLIS_MODSEC_MIRROR)`);
      for (const c of cases) if (checkModsecCase(c, 'JSON')) checked++;
    }
    assert.ok(checked >= 7, `only ${checked} cases could be checked`);
  });
});

// ---------------------------------------------------------------------------------------------
// CRS regression tests that depend on the multipart parser, read from PORTCULLIS_SHARED.

interface CrsInput {
  headers?: Record<string, string>;
  data?: string;
  encoded_request?: string;
}
interface CrsTest {
  test_id: number;
  stages: Array<{ input: CrsInput; output: { log?: { expect_ids?: number[]; no_expect_ids?: number[]; match_regex?: string; no_match_regex?: string } } }>;
}

function crsTests(relative: string): CrsTest[] | null {
  const file = path.join(CRS_TESTS, relative);
  if (!existsSync(file)) return null;
  return (parseYaml(readFileSync(file, 'utf8')) as { tests: CrsTest[] }).tests;
}

/** Content-Type and body of a CRS test input (raw requests are cut at the blank line). */
function crsRequest(input: CrsInput): { contentType: string; body: string } {
  if (input.encoded_request !== undefined) {
    const raw = Buffer.from(input.encoded_request, 'base64').toString('latin1');
    const split = raw.indexOf('\r\n\r\n');
    const head = raw.slice(0, split);
    const contentType = /^content-type:[ \t]*(.*)$/im.exec(head)?.[1] ?? '';
    return { contentType, body: raw.slice(split + 4) };
  }
  const headers = input.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
  return { contentType: key ? (headers[key] ?? '') : '', body: bytes(input.data ?? '') };
}

describe('CRS regression tests that rely on the multipart parser', () => {
  it('922100: a "_charset_" part shows up as MULTIPART_PART_HEADERS:_charset_', (t) => {
    const tests = crsTests('REQUEST-922-MULTIPART-ATTACK/922100.yaml');
    if (tests === null) return t.skip(`CRS tests not found under ${CRS_TESTS} (set PORTCULLIS_SHARED)`);
    for (const test of tests) {
      const stage = test.stages[0];
      if (!stage?.output.log?.expect_ids?.includes(922100)) continue;
      const { contentType, body } = crsRequest(stage.input);
      const r = multipart(body, contentType);
      assert.ok(r.partHeaders.some(([name]) => name === '_charset_'), `test ${test.test_id}`);
      assert.ok(r.args.some(([name]) => name === '_charset_'), `test ${test.test_id}: ARGS._charset_`);
    }
  });
  it('922120: Content-Transfer-Encoding headers are visible', (t) => {
    const tests = crsTests('REQUEST-922-MULTIPART-ATTACK/922120.yaml');
    if (tests === null) return t.skip(`CRS tests not found under ${CRS_TESTS} (set PORTCULLIS_SHARED)`);
    for (const test of tests) {
      const stage = test.stages[0];
      if (stage === undefined) continue;
      const { contentType, body } = crsRequest(stage.input);
      const seen = multipart(body, contentType).partHeaders.some(([, line]) => /content-transfer-encoding:(.*)/i.test(line));
      if (stage.output.log?.expect_ids?.includes(922120)) assert.ok(seen, `test ${test.test_id}`);
      if (stage.output.log?.no_expect_ids?.includes(922120)) assert.ok(!seen, `test ${test.test_id}`);
    }
  });
  it('922130: invalid characters in part header names are a parsing error', (t) => {
    const tests = crsTests('REQUEST-922-MULTIPART-ATTACK/922130.yaml');
    if (tests === null) return t.skip(`CRS tests not found under ${CRS_TESTS} (set PORTCULLIS_SHARED)`);
    for (const test of tests) {
      const stage = test.stages[0];
      const log = stage?.output.log;
      if (stage === undefined || log === undefined) continue;
      const { contentType, body } = crsRequest(stage.input);
      const error = multipart(body, contentType).error ?? '';
      const invalid = error.includes('Multipart parsing error: Multipart: Invalid part header (contains invalid character)');
      if (log.match_regex !== undefined) assert.ok(invalid, `test ${test.test_id}: ${error}`);
      if (log.no_match_regex !== undefined) assert.ok(!invalid, `test ${test.test_id}: ${error}`);
    }
  });
  it("920120: FILES / FILES_NAMES hold what the rule's pattern must see", (t) => {
    const tests = crsTests('REQUEST-920-PROTOCOL-ENFORCEMENT/920120.yaml');
    const rules = path.join(CRS_RULES, 'REQUEST-920-PROTOCOL-ENFORCEMENT.conf');
    if (tests === null || !existsSync(rules)) return t.skip(`CRS not found under ${SHARED} (set PORTCULLIS_SHARED)`);
    // The rule's own pattern, read from the CRS (PCRE's leading (?i) becomes the 'i' flag).
    const line = readFileSync(rules, 'utf8').split('\n').find((l) => l.startsWith('SecRule FILES|FILES_NAMES "!@rx '));
    const source = /"!@rx \(\?i\)(.*)" \\$/.exec(line ?? '')?.[1];
    if (source === undefined) return t.skip('rule 920120 has changed shape');
    const allowed = new RegExp(source.replaceAll('\\"', '"'), 'i');
    let checked = 0;
    for (const test of tests) {
      const stage = test.stages[0];
      const log = stage?.output.log;
      if (stage === undefined || log === undefined) continue;
      const { contentType, body } = crsRequest(stage.input);
      if (!/multipart\/form-data/i.test(contentType)) continue;
      const r = multipart(body, contentType);
      const values = r.files.flatMap((f) => [f.filename, f.field]);
      if (values.some((v) => v.includes('%'))) continue; // the rule URL-decodes first (t:urlDecodeUni)
      const fires = values.some((v) => !allowed.test(v));
      if (log.expect_ids?.includes(920120)) assert.ok(fires, `test ${test.test_id}: ${JSON.stringify(values)} ${r.error ?? ''}`);
      if (log.no_expect_ids?.includes(920120)) assert.ok(!fires, `test ${test.test_id}: ${JSON.stringify(values)}`);
      checked++;
    }
    assert.ok(checked > 10, `only ${checked} tests checked`);
  });
  it('every CRS multipart test body parses without throwing', (t) => {
    if (!existsSync(CRS_TESTS)) return t.skip(`CRS tests not found under ${CRS_TESTS} (set PORTCULLIS_SHARED)`);
    let parsed = 0;
    for (const dir of readdirSync(CRS_TESTS, { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      for (const file of readdirSync(path.join(CRS_TESTS, dir.name))) {
        if (!file.endsWith('.yaml')) continue;
        const text = readFileSync(path.join(CRS_TESTS, dir.name, file), 'utf8');
        if (!/multipart\/form-data/i.test(text)) continue;
        for (const test of crsTests(path.join(dir.name, file)) ?? []) {
          for (const stage of test.stages) {
            const { contentType, body } = crsRequest(stage.input);
            if (!/multipart\/form-data/i.test(contentType)) continue;
            assert.ok(multipart(body, contentType).multipart !== undefined);
            parsed++;
          }
        }
      }
    }
    assert.ok(parsed > 20, `only ${parsed} bodies`);
  });
});
