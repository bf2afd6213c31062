// Everything one worker process runs: the gateway, its listeners and its observers. Settings come
// as whole snapshots; applying one builds the new runtime first and keeps the old on any failure.
// Draining stops accepting, lets requests in flight finish (up to a deadline), then ends the rest.
import type { GatewaySettings, ListenerSettings } from '../config/settings.js';
import { Gateway } from '../gateway/gateway.js';
import { Listener, listenerIdentity, type RejectedRequest } from '../gateway/listener.js';
import { AccessLog } from '../observe/access-log.js';
import { RingLineWriter } from '../observe/line-ring.js';
import { LineWriter, type LineSink } from '../observe/line-writer.js';
import type { Logger } from '../observe/logger.js';
import type { ListenerReport } from './messages.js';

export interface GatewayWorkerOptions {
  readonly log: Logger;
  /** Share rate-limit counts with other workers (several processes). */
  readonly sharedRateLimits: boolean;
  readonly accessOut?: NodeJS.WritableStream;
}

export class GatewayWorker {
  private gateway: Gateway | undefined;
  private listeners = new Map<string, Listener>();
  private settings: GatewaySettings | undefined;
  private readonly accessWriter: LineSink;
  private readonly accessLog: AccessLog;
  private readonly rateLimitSweep: NodeJS.Timeout;
  draining = false;

  constructor(private readonly options: GatewayWorkerOptions) {
    // stdout is written by a thread of its own, so the event loop never waits on the log.
    this.accessWriter = options.accessOut
      ? new LineWriter(options.accessOut as import('node:stream').Writable)
      : new RingLineWriter(1);
    this.accessLog = new AccessLog(this.accessWriter);
    this.rateLimitSweep = setInterval(() => this.gateway?.sweepRateLimits(), 1000);
    this.rateLimitSweep.unref();
  }

  get current(): Gateway | undefined {
    return this.gateway;
  }

  private readonly onRejected = (r: RejectedRequest): void => {
    if (this.settings?.accessLog !== false) this.accessLog.rejected(r);
  };

  /** Applies a settings snapshot: the first one starts everything, later ones reload. */
  async apply(settings: GatewaySettings): Promise<ListenerReport[]> {
    if (!this.gateway) {
      const gateway = new Gateway(settings, this.options.log, { sharedRateLimits: this.options.sharedRateLimits });
      gateway.addObserver((ex) => {
        if (this.settings?.accessLog !== false) this.accessLog.exchange(ex);
      });
      this.gateway = gateway;
    } else {
      this.gateway.apply(settings);
    }
    this.settings = settings;
    await this.reconcileListeners(settings);
    return [...this.listeners.values()].map((l) => ({ name: l.settings.name, url: l.url }));
  }

  private async reconcileListeners(settings: GatewaySettings): Promise<void> {
    const gateway = this.gateway!;
    const wanted = new Map<string, ListenerSettings>();
    for (const l of settings.listeners) wanted.set(listenerIdentity(l), l);
    // Closed first: a re-created listener may want the same port.
    for (const [id, listener] of this.listeners) {
      if (!wanted.has(id)) {
        this.listeners.delete(id);
        await listener.stopAccepting();
      }
    }
    for (const [id, l] of wanted) {
      const existing = this.listeners.get(id);
      if (existing) {
        existing.update(l, settings);
        continue;
      }
      const listener = new Listener(l, settings, gateway, this.onRejected);
      await listener.listen();
      this.listeners.set(id, listener);
    }
  }

  /** Stops accepting, waits for in-flight exchanges up to `deadlineMs`, then ends what is left. */
  async drain(deadlineMs: number): Promise<{ finished: boolean }> {
    this.draining = true;
    const gateway = this.gateway;
    if (gateway) gateway.draining = true;
    await Promise.race([
      Promise.all([...this.listeners.values()].map((l) => l.stopAccepting())),
      new Promise((r) => setTimeout(r, 50)),
    ]);
    const deadline = performance.now() + deadlineMs;
    let finished = true;
    while (gateway && (gateway.inflight > 0 || gateway.upgradedCount > 0)) {
      if (performance.now() >= deadline) {
        finished = false;
        break;
      }
      // Keep-alive connections that went idle since the last look.
      for (const l of this.listeners.values()) l.closeIdle();
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const l of this.listeners.values()) l.destroyAll();
    if (gateway) {
      if (finished) gateway.close();
      else gateway.destroy();
    }
    clearInterval(this.rateLimitSweep);
    await this.accessWriter.close();
    return { finished };
  }
}
