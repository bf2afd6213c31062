// Load generation with wrk (Debian package), in its own process, and parsing of its report.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface WrkResult {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  switch (unit) {
    case 'us':
      return v / 1000;
    case 'ms':
      return v;
    case 's':
      return v * 1000;
    case 'm':
      return v * 60_000;
    default:
      return NaN;
  }
}

export function parseWrk(out: string, url: string, connections: number, seconds: number): WrkResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([0-9.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const requests = Number(/([0-9]+) requests in/.exec(out)?.[1] ?? NaN);
  const rps = Number(/Requests\/sec:\s+([0-9.]+)/.exec(out)?.[1] ?? NaN);
  const sock = /Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)/.exec(out);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: ([0-9]+)/.exec(out)?.[1] ?? 0);
  return { url, connections, seconds, requests, rps, p50Ms: pct('50'), p90Ms: pct('90'), p99Ms: pct('99'), errors, non2xx };
}

export function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  process.stderr.write('wrk is missing: installing it with apt-get\n');
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export interface WrkOptions {
  readonly connections: number;
  readonly seconds: number;
  /** A Lua script (file contents) for wrk -s. */
  readonly script?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly scriptDir: string;
}

let scriptCounter = 0;

export function runWrk(url: string, o: WrkOptions): Promise<WrkResult> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', '--timeout', '10s'];
  if (o.script) {
    const file = path.join(o.scriptDir, `wrk-${process.pid}-${scriptCounter++}.lua`);
    writeFileSync(file, o.script);
    args.push('-s', file);
  }
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { env: { ...process.env, ...o.env }, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${stderr || err.message}`));
      // wrk reports a broken script on stderr and then sends its default request instead:
      // figures for a load nobody asked for. That is a failure of the benchmark.
      if (/\.lua:\d+:|PANIC|attempt to/.test(stderr)) return reject(new Error(`wrk script error: ${stderr.trim().slice(0, 500)}`));
      resolve(parseWrk(stdout, url, o.connections, o.seconds));
    });
  });
}

/**
 * Paces each connection at a mean of one request per `interval` ms. The delay is drawn uniformly
 * from 0..2×interval so that connections do not fire in lock-step: a steady offered load, not
 * bursts of every connection at once.
 */
export const PACED_SCRIPT = `
local interval = tonumber(os.getenv("WRK_INTERVAL_MS"))
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
function delay()
  return math.random(0, 2 * interval)
end
`;

/** POSTs bodies of several sizes, chosen in turn. */
export function bodiesScript(sizes: readonly number[]): string {
  return `
local bodies = {}
local sizes = { ${sizes.join(', ')} }
local n = 0
function init(args)
  for i, s in ipairs(sizes) do
    bodies[i] = wrk.format("POST", "/upload", { ["Content-Type"] = "application/octet-stream" }, string.rep("x", s))
  end
end
function request()
  n = n + 1
  return bodies[(n % #bodies) + 1]
end
`;
}
