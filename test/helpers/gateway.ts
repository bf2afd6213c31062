// Runs the real gateway through its command line (`portcullis serve`), as a user would, and
// collects its access log (stdout) and operational log (stderr) for assertions.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const BIN = path.join(REPO_ROOT, 'bin/portcullis.js');

export function tempDir(prefix = 'portcullis-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

const run = promisify(execFile);

/** `portcullis config validate` on a file holding `yaml`: its exit code and output. */
export async function validateConfig(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = tempDir();
  const file = path.join(dir, 'p.yaml');
  writeFileSync(file, yaml);
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'config', 'validate', file], { env: { ...process.env, ...env }, cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export interface LogLine {
  [key: string]: unknown;
  msg?: string;
}

export interface StartOptions {
  /** YAML text written to a config file (admin/listener default to port 0 on loopback). */
  readonly yaml?: string;
  /** Extra CLI arguments after `serve`. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly dir?: string;
  /** Resolve once the process exits instead of waiting for "ready" (for failures at start). */
  readonly expectExit?: boolean;
  readonly timeoutMs?: number;
}

export class RunningGateway {
  readonly stdoutLines: string[] = [];
  readonly stderrLines: string[] = [];
  readonly logs: LogLine[] = [];
  readonly access: LogLine[] = [];
  url = '';
  adminUrl = '';
  listenerUrls: Record<string, string> = {};
  exitCode: number | null = null;
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    readonly configFile: string | undefined,
    readonly dir: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        this.check();
        resolve(code);
      });
    });
    const lines = (stream: NodeJS.ReadableStream, sink: string[], parsed: LogLine[]) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          sink.push(line);
          try {
            parsed.push(JSON.parse(line) as LogLine);
          } catch {
            // not JSON (a human message)
          }
          this.check();
        }
      });
    };
    lines(child.stdout!, this.stdoutLines, this.access);
    lines(child.stderr!, this.stderrLines, this.logs);
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.test()) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  /** Waits until `test` holds (checked on every new line and on exit). */
  waitFor(test: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out waiting for ${what}\nstderr:\n${this.stderrLines.slice(-20).join('\n')}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ test, resolve: done });
    });
  }

  waitForLog(msg: string | RegExp, timeoutMs = 10_000, from = 0): Promise<LogLine> {
    const match = (l: LogLine) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg)));
    return this.waitFor(() => this.logs.slice(from).some(match), timeoutMs, `log "${String(msg)}"`).then(
      () => this.logs.slice(from).find(match)!,
    );
  }

  /** Waits for the access record of a request id. */
  async accessRecord(requestId: string, timeoutMs = 5000): Promise<LogLine> {
    await this.waitFor(() => this.access.some((l) => l.requestId === requestId), timeoutMs, `access record ${requestId}`);
    return this.access.find((l) => l.requestId === requestId)!;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  async stop(): Promise<void> {
    if (this.exitCode !== null || this.child.exitCode !== null) return;
    const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    this.child.kill('SIGTERM');
    await this.exited;
    clearTimeout(t);
  }
}

/** Loopback listener and admin on free ports, one worker: the start of most test configs. */
export const BASE_YAML = 'listeners: [{ address: 127.0.0.1:0 }]\nadmin: { address: 127.0.0.1:0 }\nworkers: 1\n';

export function defaultYaml(upstream: string, extra = ''): string {
  return `listeners:
  - name: main
    address: 127.0.0.1:0
admin:
  address: 127.0.0.1:0
workers: 1
upstreams:
  app:
    targets: [${upstream}]
routes:
  - name: app
    upstream: app
${extra}`;
}

export async function startGateway(o: StartOptions): Promise<RunningGateway> {
  const dir = o.dir ?? tempDir();
  let configFile: string | undefined;
  const args = ['serve'];
  if (o.yaml !== undefined) {
    configFile = path.join(dir, 'portcullis.yaml');
    writeFileSync(configFile, o.yaml);
    args.push('--config', configFile);
  }
  if (!(o.args ?? []).includes('--data')) args.push('--data', path.join(dir, 'data'));
  args.push(...(o.args ?? []));
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const gw = new RunningGateway(child, configFile, dir);
  if (o.expectExit) {
    await gw.exited;
    return gw;
  }
  const ready = await Promise.race([
    gw.waitForLog('ready', o.timeoutMs ?? 15_000),
    gw.exited.then((code) => {
      throw new Error(`gateway exited (${code}) before it was ready:\n${gw.stderrLines.join('\n')}`);
    }),
  ]);
  const listeners = (ready.listeners as { name: string; url: string }[]) ?? [];
  for (const l of listeners) gw.listenerUrls[l.name] = l.url;
  gw.url = listeners[0]?.url ?? '';
  gw.adminUrl = String(ready.admin);
  return gw;
}

/** Stops every gateway started through it when the test file ends. */
export class GatewayPool {
  private readonly running: RunningGateway[] = [];
  async start(o: StartOptions): Promise<RunningGateway> {
    const gw = await startGateway(o);
    this.running.push(gw);
    return gw;
  }
  async stopAll(): Promise<void> {
    await Promise.all(this.running.map((g) => g.stop()));
  }
}
