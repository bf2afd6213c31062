// Starting and stopping what a benchmark measures: the reference peer (nginx + ModSecurity, a plain
// nginx proxy and an nginx upstream, from ../shared/tools/peer-modsecurity.sh) and the gateway.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

/** ../shared next to the repository, or $PORTCULLIS_SHARED. */
export function sharedDir(): string | undefined {
  const dir = process.env.PORTCULLIS_SHARED ?? path.resolve(REPO_ROOT, '../shared');
  return existsSync(dir) ? dir : undefined;
}

export interface PeerPorts {
  readonly waf: number;
  readonly plain: number;
  readonly upstream: number;
}

export class Peer {
  private dir: string | undefined;

  constructor(
    private readonly script: string,
    readonly ports: PeerPorts,
  ) {}

  /**
   * The peer gets a directory of its own, readable by all: nginx's workers run as "nobody" and
   * write request bodies over its client_body_buffer_size (the 20 KB JSON POST) to a temporary
   * file there. Inside a benchmark's private (0700) directory that open() fails and nginx
   * answers 500 without ModSecurity ever seeing the body, which made it look three times faster.
   */
  start(workers: number, paranoia = 1): void {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-peer-'));
    chmodSync(this.dir, 0o755);
    execFileSync(
      'bash',
      [
        this.script,
        'start',
        '--waf-port', String(this.ports.waf),
        '--plain-port', String(this.ports.plain),
        '--upstream-port', String(this.ports.upstream),
        '--workers', String(workers),
        '--paranoia', String(paranoia),
        '--dir', this.dir,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
  }

  stop(): void {
    if (this.dir === undefined) return;
    try {
      execFileSync('bash', [this.script, 'stop', '--dir', this.dir], { stdio: 'ignore' });
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** Ports free right now on loopback (bound and released; good enough for a benchmark). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function waitFor(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class GatewayProcess {
  private child: ChildProcess | undefined;

  constructor(
    private readonly args: readonly string[],
    private readonly logFile: string,
    /** Where stdout (the access log) goes, when not with the rest of the log. */
    private readonly accessFile?: string,
  ) {}

  async start(adminUrl: string): Promise<void> {
    const err = openSync(this.logFile, 'w');
    const out = this.accessFile ? openSync(this.accessFile, 'w') : err;
    this.child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/portcullis.js'), 'serve', ...this.args], {
      stdio: ['ignore', out, err],
    });
    await waitFor(`${adminUrl}/readyz`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Worker process ids (children of the primary). */
  workerPids(): number[] {
    const pid = this.child?.pid;
    if (!pid) return [];
    const out: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^[0-9]+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === pid) out.push(Number(entry));
      } catch {
        // process went away
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/** Resident memory of a process in bytes (VmRSS), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+([0-9]+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The bare Node.js TCP pipe of node-pipe.ts, in its own process. */
export class NodePipeProcess {
  private child: ChildProcess | undefined;

  constructor(
    private readonly port: number,
    private readonly upstreamPort: number,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/bench/lib/node-pipe.js'), String(this.port), String(this.upstreamPort)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`node-pipe exited with ${code}`)));
      child.stdout.once('data', () => resolve());
    });
  }

  stop(): void {
    this.child?.kill('SIGTERM');
  }
}
