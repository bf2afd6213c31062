// The pipeline's extension points, in process: a guard that asks for the request body (as the WAF
// will) gets a bounded prefix of it, can block on it, and otherwise the whole body still reaches
// the upstream; an asynchronous guard is awaited.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/load.js';
import type { Exchange } from '../src/gateway/exchange.js';
import type { Guard, Verdict } from '../src/gateway/guard.js';
import { createLogger } from '../src/observe/logger.js';
import { GatewayWorker } from '../src/runtime/gateway-worker.js';
import { request } from './helpers/http.js';
import { pattern, sha256, startUpstream, type Upstream } from './helpers/upstream.js';

class BodyInspector implements Guard {
  readonly name = 'inspector';
  readonly bodyLimit = 1024;
  seen: { length: number; truncated: boolean }[] = [];
  private readonly allow: Verdict = { guard: this.name, action: 'allow' };
  onRequest(): Verdict {
    return this.allow;
  }
  wantsBody(ex: Exchange): boolean {
    return ex.method === 'POST';
  }
  onRequestBody(_ex: Exchange, body: Buffer, truncated: boolean): Verdict {
    this.seen.push({ length: body.length, truncated });
    return body.includes('evil') ? { guard: this.name, action: 'block', rule: 'no-evil', reason: 'evil in body' } : this.allow;
  }
}

class SlowGuard implements Guard {
  readonly name = 'slow';
  onRequest(ex: Exchange): Promise<Verdict> {
    return new Promise((resolve) =>
      setTimeout(() => resolve({ guard: this.name, action: ex.path === '/async-deny' ? 'block' : 'allow' }), 20),
    );
  }
}

describe('pipeline extension points', () => {
  let up: Upstream;
  let worker: GatewayWorker;
  let url: string;
  const inspector = new BodyInspector();
  before(async () => {
    up = await startUpstream();
    const { settings } = loadConfig({ flags: { listen: '127.0.0.1:0', upstream: up.url, admin: '127.0.0.1:0', workers: '1' } });
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    worker = new GatewayWorker({ log: createLogger('silent'), sharedRateLimits: false, accessOut: sink });
    const [listener] = await worker.apply(settings);
    url = listener!.url;
    (worker.current!.runtime.guards as Guard[]).push(inspector, new SlowGuard());
  });
  after(async () => {
    await worker.drain(1000);
    await up.close();
  });

  it('gives a body guard the body and forwards it whole when allowed', async () => {
    const res = await request(`${url}/small`, { method: 'POST', body: 'a harmless body' });
    assert.equal(res.status, 200);
    assert.deepEqual(inspector.seen.at(-1), { length: 15, truncated: false });
    assert.equal(res.json().bodySha256, sha256('a harmless body'));
  });

  it('inspects at most the guard\'s limit, then streams the rest through', async () => {
    const body = pattern(300_000);
    const res = await request(`${url}/large`, { method: 'POST', body });
    assert.equal(res.status, 200);
    const seen = inspector.seen.at(-1)!;
    assert.ok(seen.length <= 1024 && seen.truncated, JSON.stringify(seen));
    assert.equal(res.json().bodySha256, sha256(body), 'the upstream got every byte, in order');
  });

  it('blocks on what it finds in the body', async () => {
    const res = await request(`${url}/x`, { method: 'POST', body: 'something evil here' });
    assert.equal(res.status, 403);
    assert.equal(up.received.some((r) => r.url === '/x'), false);
  });

  it('awaits asynchronous guards', async () => {
    assert.equal((await request(`${url}/async-ok`)).status, 200);
    assert.equal((await request(`${url}/async-deny`)).status, 403);
  });
});
