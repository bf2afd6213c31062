// Entry point of a worker process (forked by the primary through node:cluster). It only wires IPC
// to a GatewayWorker: settings snapshots in, readiness and rate-limit counts out.
import cluster from 'node:cluster';
import { createLogger } from '../observe/logger.js';
import { GatewayWorker } from './gateway-worker.js';
import type { FromWorker, ToWorker } from './messages.js';

const RATE_LIMIT_SYNC_MS = 50;

function send(msg: FromWorker): void {
  if (process.connected) process.send?.(msg);
}

const workerId = cluster.worker?.id ?? 0;
let log = createLogger(process.env.PORTCULLIS_LOG_LEVEL ?? 'info', { worker: workerId });
const multi = Number(process.env.PORTCULLIS_WORKERS ?? '1') > 1;
const worker = new GatewayWorker({ log, sharedRateLimits: multi });
let version = 0;
let drainMs = 30_000;
let exiting = false;

async function drainAndExit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  const { finished } = await worker.drain(drainMs);
  if (!finished) log.warn({}, 'drain deadline reached: remaining connections closed');
  process.exit(code);
}

process.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'settings': {
      const first = version === 0;
      if (first) log = createLogger(msg.settings.logLevel, { worker: workerId });
      worker.apply(msg.settings).then(
        (listeners) => {
          version = msg.version;
          drainMs = msg.settings.timeouts.drainMs;
          send({ type: 'applied', version: msg.version, listeners });
        },
        (err: unknown) => {
          const error = err instanceof Error ? err.message : String(err);
          log.error({ version: msg.version, error }, first ? 'could not start' : 'could not apply the new configuration');
          send({ type: 'apply-failed', version: msg.version, error });
          if (first) process.exit(1);
        },
      );
      break;
    }
    case 'drain':
      void drainAndExit(0);
      break;
    case 'rate-limit-sync':
      worker.current?.rateLimitState.applyRemote(msg.deltas, performance.now());
      break;
  }
});

if (multi) {
  setInterval(() => {
    const deltas = worker.current?.rateLimitState.drainPending();
    if (deltas && deltas.length > 0) send({ type: 'rate-limit-sync', deltas });
  }, RATE_LIMIT_SYNC_MS).unref();
}

// Signals go to the primary, which tells workers what to do; a worker ignores them itself so a
// process-group signal (Ctrl-C) does not cut requests short.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('disconnect', () => void drainAndExit(0));

process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'uncaught exception in worker: draining and exiting');
  drainMs = Math.min(drainMs, 5000);
  void drainAndExit(1);
});
process.on('unhandledRejection', (err) => {
  log.error({ err }, 'unhandled promise rejection in worker');
});

send({ type: 'hello' });
