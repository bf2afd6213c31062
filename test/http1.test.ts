// The gateway's HTTP/1.1 request parser: every framing, split at every byte, and every shape it
// must refuse (the gateway-level smuggling tests in limits.test.ts check the answers on the wire).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestParseError, RequestParser, type RequestHead } from '../src/http1/request-parser.js';

interface Parsed {
  heads: Omit<RequestHead, 'rawHeaders'>[];
  headers: string[][];
  bodies: string[];
  complete: number;
  used: number;
}

const LIMITS = { maxHeadBytes: 8192, maxUriBytes: 2048, maxHeaderCount: 50 };

function parse(text: string, splitAt: number[] = []): Parsed {
  const out: Parsed = { heads: [], headers: [], bodies: [], complete: 0, used: 0 };
  let body = '';
  const p = new RequestParser(
    {
      onHead: (h) => {
        const { rawHeaders, ...rest } = h;
        out.heads.push(rest);
        out.headers.push(rawHeaders);
      },
      onBody: (c) => {
        body += c.toString('latin1');
      },
      onComplete: () => {
        out.complete++;
        out.bodies.push(body);
        body = '';
      },
    },
    LIMITS,
  );
  const data = Buffer.from(text, 'latin1');
  const cuts = [0, ...splitAt, data.length];
  for (let i = 0; i < cuts.length - 1; i++) {
    let piece = data.subarray(cuts[i], cuts[i + 1]);
    // Feed until the piece is used up, resetting between pipelined requests.
    while (piece.length > 0) {
      const used = p.feed(piece);
      out.used += used;
      piece = piece.subarray(used);
      if (p.done) p.reset();
      if (used === 0) break;
    }
  }
  return out;
}

function parseEverySplit(text: string): Parsed {
  const whole = parse(text);
  for (let i = 1; i < text.length; i++) assert.deepEqual(parse(text, [i]), whole, `split at ${i}`);
  return whole;
}

function refused(text: string): RequestParseError {
  try {
    parse(text);
  } catch (err) {
    assert.ok(err instanceof RequestParseError, String(err));
    return err;
  }
  assert.fail(`accepted: ${JSON.stringify(text)}`);
}

describe('request parser', () => {
  it('reads a request without a body, split anywhere', () => {
    const r = parseEverySplit('GET /a?b=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n');
    assert.equal(r.heads.length, 1);
    assert.deepEqual(r.heads[0], {
      method: 'GET', url: '/a?b=1', versionMajor: 1, versionMinor: 1, bodyLength: 0, keepAlive: true, upgrade: false, expectContinue: false, unsupportedExpect: false,
    });
    assert.deepEqual(r.headers[0], ['Host', 'x', 'User-Agent', 't']);
    assert.equal(r.complete, 1);
  });

  it('reads Content-Length and chunked bodies (extensions, trailers), split anywhere', () => {
    assert.deepEqual(parseEverySplit('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello').bodies, ['hello']);
    const c = parseEverySplit('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n');
    assert.deepEqual(c.bodies, ['abcde']);
    assert.equal(c.heads[0]!.bodyLength, -1);
  });

  it('reads pipelined requests one after another', () => {
    const r = parseEverySplit('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.deepEqual(r.heads.map((h) => h.url), ['/1', '/2', '/3']);
    assert.deepEqual(r.bodies, ['', 'ok', '']);
  });

  it('knows keep-alive, upgrades and Expect', () => {
    assert.equal(parse('GET / HTTP/1.0\r\n\r\n').heads[0]!.keepAlive, false);
    assert.equal(parse('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').heads[0]!.keepAlive, true);
    assert.equal(parse('GET / HTTP/1.1\r\nConnection: close\r\n\r\n').heads[0]!.keepAlive, false);
    assert.equal(parse('GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n').heads[0]!.upgrade, true);
    assert.equal(parse('GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n').heads[0]!.upgrade, false, 'Upgrade without Connection: upgrade');
    assert.equal(parse('POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx').heads[0]!.expectContinue, true);
    assert.equal(parse('GET / HTTP/1.1\r\nExpect: something\r\n\r\n').heads[0]!.unsupportedExpect, true);
  });

  it('accepts any token as a method (the WAF judges methods, not the parser)', () => {
    assert.equal(parse('PROPFIND / HTTP/1.1\r\n\r\n').heads[0]!.method, 'PROPFIND');
  });

  const shapes: [string, string, number][] = [
    ['Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['two Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 400],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc', 400],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc', 400],
    ['gzip, chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 400],
    ['two Transfer-Encoding', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n', 400],
    ['a bare LF', 'GET / HTTP/1.1\nHost: x\n\n', 400],
    ['a bare CR', 'GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n', 400],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n', 400],
    ['a header without a colon', 'GET / HTTP/1.1\r\nNoColon\r\n\r\n', 400],
    ['an invalid method', 'G(T / HTTP/1.1\r\n\r\n', 400],
    ['a space in the target', 'GET /a b HTTP/1.1\r\n\r\n', 400],
    ['a byte above 0x7e in the target', 'GET /caf\u00e9 HTTP/1.1\r\n\r\n', 400],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n', 400],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\n\r\n', 400],
    ['a lowercase version', 'GET / http/1.1\r\n\r\n', 400],
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\n\r\n', 400],
    ['an invalid chunk size', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['a chunk longer than its size', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n', 400],
    ['an overlong chunk size', `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${'f'.repeat(20)}\r\n`, 400],
    ['a long request target', `GET /${'a'.repeat(3000)} HTTP/1.1\r\n\r\n`, 414],
    ['a head too large', `GET / HTTP/1.1\r\nX-A: ${'a'.repeat(9000)}\r\n\r\n`, 431],
    ['too many fields', `GET / HTTP/1.1\r\n${'X-A: 1\r\n'.repeat(60)}\r\n`, 431],
  ];
  for (const [name, text, status] of shapes) {
    it(`refuses ${name} (${status})`, () => {
      assert.equal(refused(text).status, status);
    });
  }

  it('refuses an endless request line without waiting for its end (414)', () => {
    assert.equal(refused(`GET /${'a'.repeat(5000)}`).status, 414);
  });
});
