// Messages between the primary process and its workers (Node IPC, structured data only).
import type { GatewaySettings } from '../config/settings.js';

export type RateLimitDeltas = [policy: string, entries: [key: string, count: number][]][];

export type ToWorker =
  | { readonly type: 'settings'; readonly version: number; readonly settings: GatewaySettings }
  | { readonly type: 'drain' }
  | { readonly type: 'rate-limit-sync'; readonly deltas: RateLimitDeltas };

export interface ListenerReport {
  readonly name: string;
  readonly url: string;
}

export type FromWorker =
  | { readonly type: 'hello' }
  | { readonly type: 'applied'; readonly version: number; readonly listeners: readonly ListenerReport[] }
  | { readonly type: 'apply-failed'; readonly version: number; readonly error: string }
  | { readonly type: 'rate-limit-sync'; readonly deltas: RateLimitDeltas };
