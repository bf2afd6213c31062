// Human units in the config file (durations, sizes, rates) and their canonical numbers.
// The schema has already checked the shapes; these functions only convert.

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };
const RATE_PERIODS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds from 5000 or "5s" / "500ms" / "2m" / "1h" / "30d". */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`not a duration: ${value}`);
  return Math.round(Number(m[1]) * (DURATION_UNITS[m[2]!] ?? NaN));
}

/** Bytes from 1024 or "1kb" / "10mb" (powers of 1024). */
export function parseSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([kmg]?b|[kmg])$/i.exec(value.trim());
  if (!m) throw new Error(`not a size: ${value}`);
  return Math.floor(Number(m[1]) * (SIZE_UNITS[m[2]!.toLowerCase()] ?? NaN));
}

export interface Rate {
  /** Requests allowed per period. */
  readonly count: number;
  /** The period in milliseconds. */
  readonly periodMs: number;
}

/** A rate from "100/s", "600/m", "10000/h". */
export function parseRate(value: string): Rate {
  const m = /^([0-9]+(?:\.[0-9]+)?)\/(s|m|h)$/.exec(value.trim());
  if (!m) throw new Error(`not a rate: ${value}`);
  return { count: Number(m[1]), periodMs: RATE_PERIODS[m[2]!]! };
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** "127.0.0.1:8080", "[::1]:8080", "*:8080" (all interfaces) into host and port. */
export function parseAddress(value: string): HostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+|\*)):([0-9]{1,5})$/.exec(value.trim());
  if (!m) throw new Error(`not HOST:PORT: ${value}`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`port out of range: ${port}`);
  const host = m[1] ?? (m[2] === '*' ? '0.0.0.0' : m[2]!);
  return { host, port };
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
