// `portcullis demo`: the demo API and the gateway in front of it, started as a user would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { BIN, tempDir } from './helpers/gateway.js';
import { request } from './helpers/http.js';

describe('demo', () => {
  it('starts the demo API behind the gateway and says what to try', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [BIN, 'demo', '--port', '0', '--admin-port', '0', '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const deadline = Date.now() + 15_000;
    while (!/gateway listens on (http:\/\/\S+),/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /gateway listens on (http:\/\/\S+),/.exec(err)?.[1];
    assert.ok(url, `no address printed:\n${err}`);
    assert.match(err, /curl -i/);
    assert.equal((await request(`${url}/api/hello`)).status, 200);
    assert.equal((await request(`${url}/api/users/1`)).json().name, 'Ada Lovelace');
    assert.equal((await request(`${url}/admin/stats`)).status, 403);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
