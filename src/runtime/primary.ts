// The primary process: loads and checks the configuration, runs the admin listener, forks the
// worker processes (node:cluster shares the listening sockets among them), and owns the
// lifecycle: SIGHUP or a changed certificate file reloads (an invalid new config is refused and
// the running one kept), SIGTERM/SIGINT drains in-flight requests and exits, a crashed worker is
// replaced. It also relays rate-limit counts between workers so limits hold across processes.
import cluster, { type Worker } from 'node:cluster';
import { accessSync, constants, mkdirSync, unwatchFile, watchFile } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AdminServer, type AdminStatus } from '../admin/admin-server.js';
import { loadConfig, type LoadedConfig, type QuickFlags } from '../config/load.js';
import { ConfigError, formatProblem } from '../config/problems.js';
import type { GatewaySettings } from '../config/settings.js';
import { createLogger, type Logger } from '../observe/logger.js';
import type { FromWorker, ListenerReport, ToWorker } from './messages.js';

export interface PrimaryOptions {
  readonly file?: string;
  readonly flags: QuickFlags;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Told once every worker listens (used by the demo to print where to go). */
  readonly onReady?: (info: { listeners: readonly ListenerReport[]; admin: string }) => void;
  /** Where to write config errors found at start (default stderr). */
  readonly errorOut?: NodeJS.WritableStream;
}

interface WorkerState {
  readonly worker: Worker;
  version: number;
  listeners: readonly ListenerReport[];
}

const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.js', import.meta.url));
const CERT_POLL_MS = 1000;

export class Primary {
  private loaded!: LoadedConfig;
  private version = 0;
  private readonly workers = new Map<number, WorkerState>();
  private readonly admin: AdminServer;
  private log!: Logger;
  private state: AdminStatus['state'] = 'starting';
  private announced = false;
  private restarts: number[] = [];
  private watched: string[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;
  private exitResolve!: (code: number) => void;
  readonly exited: Promise<number>;
  private exitCode = 0;

  constructor(private readonly options: PrimaryOptions) {
    this.admin = new AdminServer(() => this.status());
    this.exited = new Promise((resolve) => (this.exitResolve = resolve));
  }

  private load(): LoadedConfig {
    return loadConfig({
      ...(this.options.file ? { file: this.options.file } : {}),
      flags: this.options.flags,
      ...(this.options.cwd ? { cwd: this.options.cwd } : {}),
      ...(this.options.env ? { env: this.options.env } : {}),
    });
  }

  private get settings(): GatewaySettings {
    return this.loaded.settings;
  }

  status(): AdminStatus {
    const total = this.settings.workers;
    let ready = 0;
    for (const w of this.workers.values()) if (w.version === this.version) ready++;
    const allReady = ready >= total;
    let state = this.state;
    if (state === 'ready' && !allReady) state = this.announced ? 'degraded' : 'starting';
    return {
      ready: state === 'ready',
      state,
      configVersion: this.version,
      workers: { ready, total },
      ...(this.loaded.file ? { configSource: this.loaded.file } : { configSource: 'flags' }),
    };
  }

  /** Starts everything; resolves to false (after printing why) when it cannot start. */
  async start(): Promise<boolean> {
    const errorOut = this.options.errorOut ?? process.stderr;
    try {
      this.loaded = this.load();
    } catch (err) {
      if (err instanceof ConfigError) {
        errorOut.write(`portcullis: ${err.file ?? 'configuration'} is invalid, not starting:\n`);
        for (const p of err.problems) errorOut.write(`  ${formatProblem(p)}\n`);
        return false;
      }
      throw err;
    }
    const s = this.settings;
    this.log = createLogger(s.logLevel, { role: 'primary' });
    for (const w of this.loaded.warnings) this.log.warn({ path: formatProblem(w) }, 'configuration warning');
    if (s.waf.mode !== 'off') {
      this.log.info(
        { mode: s.waf.mode, crs: s.waf.crsDir ?? null, crsSource: s.waf.crsSource, paranoia: s.waf.paranoia },
        s.waf.crsDir ? 'waf: OWASP CRS loaded' : 'waf: no OWASP CRS, running your own rules only',
      );
    }
    try {
      mkdirSync(s.dataDir, { recursive: true });
      accessSync(s.dataDir, constants.W_OK);
    } catch (err) {
      errorOut.write(`portcullis: data directory ${s.dataDir} is not writable: ${(err as Error).message}\n`);
      return false;
    }
    try {
      await this.admin.listen(s.admin.host, s.admin.port);
    } catch (err) {
      errorOut.write(`portcullis: cannot open the admin listener on ${s.admin.host}:${s.admin.port}: ${(err as Error).message}\n`);
      return false;
    }
    this.version = 1;
    cluster.setupPrimary({
      exec: WORKER_ENTRY,
      // A larger young generation: a proxy allocates many short-lived objects per request.
      // PORTCULLIS_WORKER_NODE_ARGS adds diagnostics flags (--cpu-prof, --trace-gc, …) to workers.
      execArgv: ['--max-semi-space-size=16', ...(process.env.PORTCULLIS_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)],
      silent: false,
    });
    for (let i = 0; i < s.workers; i++) this.fork();
    this.watchCertificates();
    process.on('SIGHUP', this.onSighup);
    process.on('SIGTERM', this.onStop);
    process.on('SIGINT', this.onStop);
    return true;
  }

  private fork(): void {
    const worker = cluster.fork({
      PORTCULLIS_WORKERS: String(this.settings.workers),
      PORTCULLIS_LOG_LEVEL: this.settings.logLevel,
    });
    const state: WorkerState = { worker, version: 0, listeners: [] };
    this.workers.set(worker.id, state);
    worker.on('message', (msg: FromWorker) => this.onMessage(state, msg));
    worker.on('exit', (code, signal) => this.onExit(state, code, signal));
  }

  private send(state: WorkerState, msg: ToWorker): void {
    if (state.worker.isConnected()) state.worker.send(msg);
  }

  private onMessage(state: WorkerState, msg: FromWorker): void {
    switch (msg.type) {
      case 'hello':
        this.send(state, { type: 'settings', version: this.version, settings: this.settings });
        break;
      case 'applied':
        if (this.announced && state.version === 0) this.log.info({ worker: state.worker.id }, 'worker ready');
        state.version = msg.version;
        state.listeners = msg.listeners;
        this.checkAllApplied();
        break;
      case 'apply-failed':
        this.log.error({ worker: state.worker.id, version: msg.version, error: msg.error }, 'worker refused the configuration');
        if (!this.announced) this.shutdown(1);
        break;
      case 'rate-limit-sync':
        for (const other of this.workers.values()) {
          if (other !== state) this.send(other, { type: 'rate-limit-sync', deltas: msg.deltas });
        }
        break;
    }
  }

  private checkAllApplied(): void {
    const st = this.status();
    if (st.workers.ready < st.workers.total) return;
    if (!this.announced) {
      this.announced = true;
      this.state = 'ready';
      const listeners = [...this.workers.values()][0]?.listeners ?? [];
      this.log.info(
        { listeners, admin: this.admin.url, workers: this.settings.workers, configVersion: this.version },
        'ready',
      );
      this.options.onReady?.({ listeners, admin: this.admin.url });
    } else if (this.state === 'reloading') {
      this.state = 'ready';
      this.log.info({ configVersion: this.version }, 'configuration reloaded');
    }
  }

  private onExit(state: WorkerState, code: number | null, signal: string | null): void {
    this.workers.delete(state.worker.id);
    if (this.state === 'draining') {
      if (this.workers.size === 0) void this.finish();
      return;
    }
    this.log.error({ worker: state.worker.id, code, signal }, 'worker exited unexpectedly');
    if (!this.announced) {
      // A worker that cannot start (port taken, …) will not start on a retry either.
      this.shutdown(1);
      return;
    }
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    this.restarts.push(now);
    const delay = Math.min(30_000, 100 * 2 ** (this.restarts.length - 1));
    setTimeout(() => {
      if (this.state !== 'draining') this.fork();
    }, delay).unref();
  }

  private readonly onSighup = (): void => {
    this.log.info({}, 'SIGHUP: reloading the configuration');
    this.reload('signal');
  };

  private readonly onStop = (signal: NodeJS.Signals): void => {
    if (this.state === 'draining') {
      this.log.warn({ signal }, 'second stop signal: exiting now');
      for (const w of this.workers.values()) w.worker.process.kill('SIGKILL');
      void this.finish();
      return;
    }
    this.log.info({ signal, inflightDeadlineMs: this.settings.timeouts.drainMs }, 'draining, then exiting');
    this.shutdown(0);
  };

  /** Re-reads the file; a config that fails any check is refused and the running one kept. */
  reload(reason: 'signal' | 'certificate'): void {
    if (this.state === 'draining') return;
    let next: LoadedConfig;
    try {
      next = this.load();
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems.map(formatProblem) : [(err as Error).message];
      this.log.error({ reason, problems, configVersion: this.version }, 'configuration reload rejected; keeping the running configuration');
      return;
    }
    const old = this.settings;
    if (next.settings.workers !== old.workers) {
      this.log.warn({ running: old.workers, configured: next.settings.workers }, 'a new worker count takes effect at the next restart');
    }
    this.loaded = {
      ...next,
      settings: { ...next.settings, workers: old.workers, dataDir: old.dataDir },
    };
    for (const w of next.warnings) this.log.warn({ path: formatProblem(w) }, 'configuration warning');
    if (next.settings.admin.host !== old.admin.host || next.settings.admin.port !== old.admin.port) {
      this.log.warn({}, 'a new admin address takes effect at the next restart');
    }
    this.version++;
    this.state = 'reloading';
    this.log.info({ reason, configVersion: this.version }, 'applying configuration');
    for (const w of this.workers.values()) this.send(w, { type: 'settings', version: this.version, settings: this.settings });
    this.watchCertificates();
  }

  private watchCertificates(): void {
    for (const f of this.watched) unwatchFile(f);
    const files = new Set<string>();
    for (const l of this.settings.listeners) for (const c of l.tls?.certificates ?? []) files.add(c.certFile).add(c.keyFile);
    this.watched = [...files];
    for (const f of this.watched) {
      watchFile(f, { interval: CERT_POLL_MS, persistent: false }, (curr, prev) => {
        if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size) return;
        // Certificate and key are usually replaced one after the other: wait for both.
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => {
          this.log.info({ file: f }, 'certificate file changed: reloading');
          this.reload('certificate');
        }, 300);
      });
    }
  }

  shutdown(code: number): void {
    if (this.state === 'draining') return;
    this.state = 'draining';
    this.exitCode = code;
    for (const f of this.watched) unwatchFile(f);
    clearTimeout(this.reloadTimer);
    if (this.workers.size === 0) {
      void this.finish();
      return;
    }
    for (const w of this.workers.values()) this.send(w, { type: 'drain' });
    // Workers enforce the drain deadline themselves; this is the backstop if one is stuck.
    setTimeout(() => {
      for (const w of this.workers.values()) w.worker.process.kill('SIGKILL');
    }, this.settings.timeouts.drainMs + 5000).unref();
  }

  private async finish(): Promise<void> {
    process.off('SIGHUP', this.onSighup);
    process.off('SIGTERM', this.onStop);
    process.off('SIGINT', this.onStop);
    await this.admin.close();
    this.log.info({ code: this.exitCode }, 'stopped');
    this.exitResolve(this.exitCode);
  }
}

/** Runs the gateway until it is stopped; resolves to the process exit code. */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const primary = new Primary(options);
  if (!(await primary.start())) return 1;
  return primary.exited;
}
