// Mutated requests against the live gateway: whatever arrives, every connection gets an answer
// or a close within the timeouts, the worker never crashes, and ordinary traffic still flows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayPool, defaultYaml, type RunningGateway } from './helpers/gateway.js';
import { portOf, rawRequest, request } from './helpers/http.js';
import { rng } from './helpers/random.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

const pool = new GatewayPool();
after(() => pool.stopAll());

const SEEDS = [
  'GET /a?b=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: fuzz\r\n\r\n',
  'POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world',
  'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
];
const TOKENS = ['\r\n', '\n', '\r', ' ', ':', '\0', '%', '%00', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n', '0\r\n\r\n', 'GET / HTTP/1.1\r\n', '\u00ff', '../', 'ffffffffffff\r\n'];

function mutate(text: string, next: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(next() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * (s.length + 1));
    const kind = next();
    if (kind < 0.35) s = s.slice(0, at) + TOKENS[Math.floor(next() * TOKENS.length)]! + s.slice(at);
    else if (kind < 0.65) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(next() * 8));
    else if (kind < 0.85) s = s.slice(0, at) + String.fromCharCode(Math.floor(next() * 256)) + s.slice(at + 1);
    else s = s.slice(0, at) + s.slice(at, at + 20).repeat(2 + Math.floor(next() * 3)) + s.slice(at + 20);
  }
  return s;
}

describe('mutated requests', () => {
  let up: Upstream;
  let gw: RunningGateway;
  before(async () => {
    up = await startUpstream('app');
    gw = await pool.start({
      yaml: defaultYaml(up.url).replace('workers: 1', 'workers: 1\ntimeouts: { clientHeaders: 1s, clientBody: 1s }'),
    });
  });
  after(() => up.close());

  it('answers or closes every connection, and never crashes', async () => {
    const next = rng(20261124);
    const port = portOf(gw.url);
    const cases = Array.from({ length: 400 }, () => Buffer.from(mutate(SEEDS[Math.floor(next() * SEEDS.length)]!, next), 'latin1'));
    let answered = 0;
    for (let i = 0; i < cases.length; i += 25) {
      const batch = cases.slice(i, i + 25);
      const results = await Promise.all(batch.map((c) => rawRequest(port, [c], 4000, '127.0.0.1', 100)));
      for (const [j, r] of results.entries()) {
        // Either an HTTP answer, or the connection closed within the timeouts: never a hang.
        assert.ok(r.status > 0 || r.closed, `case ${i + j} hung: ${JSON.stringify(batch[j]!.toString('latin1'))}`);
        if (r.status > 0) answered++;
      }
    }
    assert.ok(answered > 0);
    assert.equal(gw.logs.filter((l) => l.msg === 'worker exited unexpectedly').length, 0, 'the worker never crashed');
    assert.equal((await request(`${gw.url}/after`)).status, 200);
  });
});
