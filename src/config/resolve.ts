// From a schema-valid config to GatewaySettings: defaults, units, cross-references (routes to
// upstreams, rules to lists), certificates read and checked, regexes compiled. Every semantic
// problem is collected with its path; nothing here starts a socket.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { compileCondition } from '../match/condition.js';
import { parseCidr, isListReference } from '../util/ip.js';
import type { ConfigPath, ConfigProblem } from './problems.js';
import type { Config, ConditionConfig, ListenerConfig } from './schema.js';
import type {
  CertificateSettings,
  GatewaySettings,
  ListenerSettings,
  RateLimitSettings,
  RouteSettings,
  UpstreamSettings,
} from './settings.js';
import { formatAddress, parseAddress, parseDuration, parseRate, parseSize } from './units.js';
import { resolveWaf } from './resolve-waf.js';

export const DEFAULTS = {
  listen: '127.0.0.1:8080',
  admin: '127.0.0.1:9901',
  dataDir: './data',
  maxBodyBytes: 10 * 1024 * 1024,
  maxHeaderBytes: 32 * 1024,
  maxUriBytes: 8 * 1024,
  maxHeaderCount: 100,
  clientHeadersMs: 10_000,
  clientBodyMs: 30_000,
  keepAliveMs: 5_000,
  drainMs: 30_000,
  connections: 128,
  connectTimeoutMs: 5_000,
  responseTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  upstreamKeepAliveMs: 4_000,
  failures: 3,
  cooldownMs: 10_000,
  retries: 1,
  rateLimitMaxKeys: 200_000,
  denyBody: '{"error":"forbidden","requestId":"{requestId}"}',
} as const;

export interface ResolveOptions {
  /** Relative file names in the config (certificates) are read from here. */
  readonly baseDir: string;
  /** Relative data directories are resolved from here (the working directory). */
  readonly cwd: string;
  readonly readFile?: (file: string) => string;
}

class Resolver {
  readonly problems: ConfigProblem[] = [];
  /** Worth telling the operator, not worth refusing to start over. */
  readonly warnings: ConfigProblem[] = [];
  constructor(private readonly options: ResolveOptions) {}

  report(path: ConfigPath, message: string): void {
    this.problems.push({ path, message });
  }

  read(file: string, where: ConfigPath): string | undefined {
    const full = path.resolve(this.options.baseDir, file);
    try {
      return (this.options.readFile ?? ((f: string) => readFileSync(f, 'utf8')))(full);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.report(where, `cannot read ${full}${code ? ` (${code})` : ''}`);
      return undefined;
    }
  }

  address(value: string, where: ConfigPath): { host: string; port: number } {
    try {
      return parseAddress(value);
    } catch (err) {
      this.report(where, (err as Error).message);
      return { host: '127.0.0.1', port: 0 };
    }
  }

  certificate(
    cert: NonNullable<ListenerConfig['tls']>['certificates'][number],
    where: ConfigPath,
  ): CertificateSettings | undefined {
    const certPem = this.read(cert.cert, [...where, 'cert']);
    const keyPem = this.read(cert.key, [...where, 'key']);
    if (certPem === undefined || keyPem === undefined) return undefined;
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(certPem);
    } catch {
      this.report([...where, 'cert'], `${cert.cert} is not a PEM certificate`);
      return undefined;
    }
    try {
      if (!x509.checkPrivateKey(createPrivateKey(keyPem))) {
        this.report([...where, 'key'], `${cert.key} is not the private key of ${cert.cert}`);
        return undefined;
      }
      tls.createSecureContext({ cert: certPem, key: keyPem });
    } catch (err) {
      this.report([...where, 'key'], `${cert.key} is not a usable private key: ${(err as Error).message}`);
      return undefined;
    }
    let serverNames = cert.serverNames?.map((n) => n.toLowerCase());
    if (!serverNames) {
      serverNames = (x509.subjectAltName ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.startsWith('DNS:'))
        .map((s) => s.slice(4).toLowerCase());
    }
    const now = Date.now();
    if (Date.parse(x509.validTo) < now) {
      // Served anyway (clients decide), but an operator must hear about it.
      this.warnings.push({ path: [...where, 'cert'], message: `${cert.cert} expired on ${x509.validTo}` });
    }
    return {
      certFile: path.resolve(this.options.baseDir, cert.cert),
      keyFile: path.resolve(this.options.baseDir, cert.key),
      certPem,
      keyPem,
      serverNames,
    };
  }

  listeners(config: Config): ListenerSettings[] {
    const given: ListenerConfig[] = config.listeners ?? [{ address: DEFAULTS.listen }];
    const seen = new Map<string, number>();
    return given.map((l, i) => {
      const where: ConfigPath = ['listeners', i];
      const { host, port } = this.address(l.address, [...where, 'address']);
      const key = formatAddress(host, port);
      if (port !== 0 && seen.has(key)) this.report([...where, 'address'], `same address as listeners[${seen.get(key)}]`);
      seen.set(key, i);
      const name = l.name ?? `listener-${i}`;
      if (!l.tls) return { name, host, port };
      const certificates = l.tls.certificates
        .map((c, j) => this.certificate(c, [...where, 'tls', 'certificates', j]))
        .filter((c): c is CertificateSettings => c !== undefined);
      let hsts: string | undefined;
      if (l.tls.hsts) {
        const seconds = Math.floor(parseDuration(l.tls.hsts.maxAge) / 1000);
        hsts = `max-age=${seconds}${l.tls.hsts.includeSubDomains ? '; includeSubDomains' : ''}${l.tls.hsts.preload ? '; preload' : ''}`;
        if (l.tls.hsts.preload && (!l.tls.hsts.includeSubDomains || seconds < 31_536_000)) {
          this.report([...where, 'tls', 'hsts', 'preload'], 'preload requires includeSubDomains and a maxAge of at least 1 year');
        }
      }
      return {
        name,
        host,
        port,
        tls: { certificates, minVersion: l.tls.minVersion ?? 'TLSv1.2', ...(hsts ? { hsts } : {}) },
      };
    });
  }

  lists(config: Config): Record<string, string[]> {
    const lists: Record<string, string[]> = {};
    for (const [name, entries] of Object.entries(config.lists ?? {})) {
      lists[name] = [];
      entries.forEach((entry, i) => {
        try {
          const c = parseCidr(entry);
          lists[name]!.push(`${c.address}/${c.prefix}`);
        } catch (err) {
          this.report(['lists', name, i], (err as Error).message);
        }
      });
    }
    return lists;
  }

  ipEntries(entries: readonly string[], lists: Record<string, string[]>, where: ConfigPath): string[] {
    const out: string[] = [];
    entries.forEach((entry, i) => {
      if (isListReference(entry)) {
        const list = lists[entry];
        if (list) out.push(...list);
        else this.report([...where, i], `unknown list "${entry}" (declare it under lists)`);
        return;
      }
      try {
        const c = parseCidr(entry);
        out.push(`${c.address}/${c.prefix}`);
      } catch (err) {
        this.report([...where, i], (err as Error).message);
      }
    });
    return out;
  }

  condition(cond: ConditionConfig | undefined, lists: Record<string, string[]>, where: ConfigPath): void {
    compileCondition(cond, lists, (p, message) => this.report([...where, ...p], message));
  }

  upstreams(config: Config): Record<string, UpstreamSettings> {
    const out: Record<string, UpstreamSettings> = {};
    for (const [name, u] of Object.entries(config.upstreams ?? {})) {
      const where: ConfigPath = ['upstreams', name];
      const targets: string[] = [];
      u.targets.forEach((t, i) => {
        try {
          const url = new URL(t);
          if (url.pathname !== '/' || url.search || url.username || url.password) {
            this.report([...where, 'targets', i], 'must be an origin (scheme, host and port), without path or credentials');
          }
          targets.push(url.origin);
        } catch {
          this.report([...where, 'targets', i], `"${t}" is not a valid URL`);
        }
      });
      const tlsConfig = u.tls;
      let caPem: string | undefined;
      if (tlsConfig?.ca) caPem = this.read(tlsConfig.ca, [...where, 'tls', 'ca']);
      out[name] = {
        name,
        targets,
        connections: u.connections ?? DEFAULTS.connections,
        hostHeader: u.hostHeader ?? 'preserve',
        connectTimeoutMs: parseDuration(u.timeouts?.connect ?? DEFAULTS.connectTimeoutMs),
        responseTimeoutMs: parseDuration(u.timeouts?.response ?? DEFAULTS.responseTimeoutMs),
        bodyTimeoutMs: parseDuration(u.timeouts?.body ?? DEFAULTS.bodyTimeoutMs),
        keepAliveMs: parseDuration(u.timeouts?.keepAlive ?? DEFAULTS.upstreamKeepAliveMs),
        failures: u.health?.failures ?? DEFAULTS.failures,
        cooldownMs: parseDuration(u.health?.cooldown ?? DEFAULTS.cooldownMs),
        retries: u.retries ?? DEFAULTS.retries,
        ...(tlsConfig
          ? {
              tls: {
                ...(caPem !== undefined ? { caPem } : {}),
                ...(tlsConfig.serverName ? { serverName: tlsConfig.serverName } : {}),
                rejectUnauthorized: tlsConfig.insecureSkipVerify !== true,
              },
            }
          : {}),
      };
    }
    return out;
  }

  routes(config: Config, upstreams: Record<string, UpstreamSettings>): RouteSettings[] {
    const names = new Set<string>();
    return (config.routes ?? []).map((r, i) => {
      if (names.has(r.name)) this.report(['routes', i, 'name'], `duplicate route name "${r.name}"`);
      names.add(r.name);
      if (!upstreams[r.upstream]) {
        const known = Object.keys(upstreams);
        this.report(
          ['routes', i, 'upstream'],
          `unknown upstream "${r.upstream}"${known.length ? ` (known: ${known.join(', ')})` : ' (declare it under upstreams)'}`,
        );
      }
      return {
        name: r.name,
        ...(r.match?.hosts ? { hosts: r.match.hosts } : {}),
        pathPrefix: r.match?.pathPrefix ?? '/',
        ...(r.match?.methods ? { methods: r.match.methods } : {}),
        upstream: r.upstream,
      };
    });
  }

  rateLimits(config: Config, lists: Record<string, string[]>, routeNames: Set<string>): RateLimitSettings[] {
    const names = new Set<string>();
    return (config.rateLimits ?? []).map((p, i) => {
      const where: ConfigPath = ['rateLimits', i];
      if (names.has(p.name)) this.report([...where, 'name'], `duplicate policy name "${p.name}"`);
      names.add(p.name);
      const rate = parseRate(p.rate);
      if (rate.count <= 0) this.report([...where, 'rate'], 'must allow at least some requests');
      p.routes?.forEach((r, j) => {
        if (!routeNames.has(r)) this.report([...where, 'routes', j], `unknown route "${r}"`);
      });
      this.condition(p.match, lists, [...where, 'match']);
      const key: RateLimitSettings['key'] =
        p.key === 'ip' || p.key === 'route' ? p.key : { header: p.key.slice('header:'.length).toLowerCase() };
      const perSecond = (rate.count * 1000) / rate.periodMs;
      return {
        name: p.name,
        key,
        count: rate.count,
        periodMs: rate.periodMs,
        burst: p.burst ?? Math.max(1, Math.ceil(perSecond)),
        ...(p.routes ? { routes: p.routes } : {}),
        ...(p.match ? { match: p.match } : {}),
        onMissingKey: p.onMissingKey ?? 'ip',
        maxKeys: p.maxKeys ?? DEFAULTS.rateLimitMaxKeys,
        headers: p.headers ?? true,
      };
    });
  }

  resolve(config: Config): GatewaySettings {
    const lists = this.lists(config);
    const listeners = this.listeners(config);
    const admin = this.address(config.admin?.address ?? DEFAULTS.admin, ['admin', 'address']);
    for (const [i, l] of listeners.entries()) {
      if (admin.port !== 0 && l.port === admin.port && (l.host === admin.host || l.host === '0.0.0.0' || admin.host === '0.0.0.0')) {
        this.report(['admin', 'address'], `the admin listener must not share listeners[${i}]'s address`);
      }
    }
    const trustedProxies = this.ipEntries(config.trustedProxies ?? [], lists, ['trustedProxies']);
    const limits = {
      maxBodyBytes: parseSize(config.limits?.maxBodyBytes ?? DEFAULTS.maxBodyBytes),
      maxHeaderBytes: parseSize(config.limits?.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes),
      maxUriBytes: parseSize(config.limits?.maxUriBytes ?? DEFAULTS.maxUriBytes),
      maxHeaderCount: config.limits?.maxHeaderCount ?? DEFAULTS.maxHeaderCount,
    };
    if (limits.maxHeaderBytes < 1024) this.report(['limits', 'maxHeaderBytes'], 'must be at least 1kb');
    if (limits.maxUriBytes < 64) this.report(['limits', 'maxUriBytes'], 'must be at least 64b');
    if (limits.maxUriBytes >= limits.maxHeaderBytes) {
      this.report(['limits', 'maxUriBytes'], 'must be smaller than limits.maxHeaderBytes (the request line is part of the head)');
    }
    const timeouts = {
      clientHeadersMs: parseDuration(config.timeouts?.clientHeaders ?? DEFAULTS.clientHeadersMs),
      clientBodyMs: parseDuration(config.timeouts?.clientBody ?? DEFAULTS.clientBodyMs),
      keepAliveMs: parseDuration(config.timeouts?.keepAlive ?? DEFAULTS.keepAliveMs),
      drainMs: parseDuration(config.timeouts?.drain ?? DEFAULTS.drainMs),
    };
    for (const [k, v] of Object.entries(timeouts)) {
      if (v < 10 && k !== 'drainMs') this.report(['timeouts', k.replace(/Ms$/, '')], 'must be at least 10ms');
    }
    const upstreams = this.upstreams(config);
    const routes = this.routes(config, upstreams);
    if (routes.length === 0) {
      this.report(['routes'], 'no routes: add routes (or pass --upstream URL for a catch-all route)');
    }
    (config.acl?.rules ?? []).forEach((rule, i) => this.condition(rule.match, lists, ['acl', 'rules', i, 'match']));
    const aclNames = new Set<string>();
    (config.acl?.rules ?? []).forEach((rule, i) => {
      if (aclNames.has(rule.name)) this.report(['acl', 'rules', i, 'name'], `duplicate rule name "${rule.name}"`);
      aclNames.add(rule.name);
    });
    const rateLimits = this.rateLimits(config, lists, new Set(routes.map((r) => r.name)));
    const deny = config.responses?.deny;
    const dataDir = path.resolve(this.options.cwd, config.dataDir ?? DEFAULTS.dataDir);
    const waf = resolveWaf(config.waf, {
      baseDir: this.options.baseDir,
      dataDir,
      routeNames: new Set(routes.map((r) => r.name)),
      report: (p, m) => this.report(p, m),
      warn: (p, m) => this.warnings.push({ path: p, message: m }),
    });
    return {
      workers: config.workers === undefined || config.workers === 'auto' ? os.availableParallelism() : config.workers,
      dataDir,
      listeners,
      admin,
      trustedProxies,
      limits,
      timeouts,
      upstreams,
      routes,
      lists,
      acl: { defaultAction: config.acl?.defaultAction ?? 'allow', rules: config.acl?.rules ?? [] },
      rateLimits,
      waf,
      denyResponse: {
        status: deny?.status ?? 403,
        contentType: deny?.contentType ?? 'application/json',
        body: deny?.body ?? DEFAULTS.denyBody,
      },
      accessLog: config.accessLog?.enabled ?? true,
      logLevel: config.log?.level ?? 'info',
    };
  }
}

export function resolveConfig(
  config: Config,
  options: ResolveOptions,
): { settings: GatewaySettings; problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const r = new Resolver(options);
  const settings = r.resolve(config);
  return { settings, problems: r.problems, warnings: r.warnings };
}
