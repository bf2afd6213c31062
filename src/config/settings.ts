// The resolved configuration: every default applied, every unit converted, certificate files read.
// It is plain data (structured-clone safe), so the primary process resolves and checks it once and
// hands the very same snapshot to every worker.
import type { AclRuleConfig, ConditionConfig } from './schema.js';

export interface CertificateSettings {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** Lower-case SNI names, possibly "*.example.com". */
  readonly serverNames: readonly string[];
}

export interface ListenerSettings {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls?: {
    readonly certificates: readonly CertificateSettings[];
    readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
    /** The Strict-Transport-Security header value, when enabled. */
    readonly hsts?: string;
  };
}

export interface UpstreamSettings {
  readonly name: string;
  readonly targets: readonly string[];
  readonly connections: number;
  /** "preserve", "target" or a literal host. */
  readonly hostHeader: string;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly failures: number;
  readonly cooldownMs: number;
  readonly retries: number;
  readonly tls?: { readonly caPem?: string; readonly serverName?: string; readonly rejectUnauthorized: boolean };
}

export interface RouteSettings {
  readonly name: string;
  readonly hosts?: readonly string[];
  readonly pathPrefix: string;
  readonly methods?: readonly string[];
  readonly upstream: string;
}

export interface RateLimitSettings {
  readonly name: string;
  readonly key: 'ip' | 'route' | { readonly header: string };
  /** Requests per `periodMs`. */
  readonly count: number;
  readonly periodMs: number;
  readonly burst: number;
  readonly routes?: readonly string[];
  readonly match?: ConditionConfig;
  readonly onMissingKey: 'ip' | 'skip';
  readonly maxKeys: number;
  readonly headers: boolean;
}

export interface LocalResponseSettings {
  readonly status: number;
  readonly contentType: string;
  /** May hold "{requestId}". */
  readonly body: string;
}

export interface WafSettings {
  readonly mode: 'block' | 'detect' | 'off';
  /** The CRS directory in use, or undefined when none (user rules only). */
  readonly crsDir: string | undefined;
  /** How the CRS was found ("configured", "auto: <where>", "none"), for the start-up message. */
  readonly crsSource: string;
  readonly paranoia: number;
  /** The CRS detection paranoia level (at least `paranoia`). */
  readonly detectionParanoia: number;
  readonly requestBodyLimit: number;
  readonly requestBodyOverLimit: 'reject' | 'inspect-partial';
  readonly responseBody: { readonly inspect: boolean; readonly limit: number; readonly types: readonly string[] };
  readonly inspectionBudgetMs: number;
  readonly onBudgetExceeded: 'block' | 'allow';
  /** The SecLang sources the engine loads, in order (Include paths are absolute). */
  readonly sources: readonly WafSource[];
}

export interface WafSource {
  readonly text: string;
  /** Shown in error messages ("waf.rules:3: ..."). */
  readonly name: string;
  readonly baseDir: string;
}

export interface GatewaySettings {
  readonly workers: number;
  readonly dataDir: string;
  readonly listeners: readonly ListenerSettings[];
  readonly admin: { readonly host: string; readonly port: number };
  readonly trustedProxies: readonly string[];
  readonly limits: {
    readonly maxBodyBytes: number;
    readonly maxHeaderBytes: number;
    readonly maxUriBytes: number;
    readonly maxHeaderCount: number;
  };
  readonly timeouts: {
    readonly clientHeadersMs: number;
    readonly clientBodyMs: number;
    readonly keepAliveMs: number;
    readonly drainMs: number;
  };
  readonly upstreams: Readonly<Record<string, UpstreamSettings>>;
  readonly routes: readonly RouteSettings[];
  readonly lists: Readonly<Record<string, readonly string[]>>;
  readonly acl: { readonly defaultAction: 'allow' | 'deny'; readonly rules: readonly AclRuleConfig[] };
  readonly rateLimits: readonly RateLimitSettings[];
  readonly waf: WafSettings;
  readonly denyResponse: LocalResponseSettings;
  readonly accessLog: boolean;
  readonly logLevel: string;
}
