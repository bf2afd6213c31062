// The configuration's single source of truth. These TypeBox definitions are at once the JSON Schema
// that validates a file (and is published in schema/ for editor completion) and, through Static<>,
// the TypeScript type of a validated file. Defaults are applied later, in resolve.ts, so that the
// file a user wrote can be shown back to them unchanged.
import { Type, type Static, type SchemaOptions } from '@sinclair/typebox';

/** A string restricted to a fixed set: rendered as `enum` (one clear error) rather than anyOf. */
function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

const Name = Type.String({
  pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$',
  errorMessage: 'must be a name: a letter, then letters, digits, "_", "-" or "." (at most 64)',
});

export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
const Duration = (description: string) =>
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    description: `${description} Milliseconds, or a string such as "500ms", "5s", "2m", "1h", "365d".`,
    errorMessage: 'must be a duration such as "500ms", "5s", "2m", "1h", "30d" (or a number of milliseconds)',
  });

export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*([kKmMgG]?[bB]|[kKmMgG])$';
const Size = (description: string) =>
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: SIZE_PATTERN })], {
    description: `${description} Bytes, or a string such as "512b", "64kb", "10mb", "1gb" (powers of 1024).`,
    errorMessage: 'must be a size such as "512b", "64kb", "10mb" (or a number of bytes)',
  });

export const RATE_PATTERN = '^[0-9]+(\\.[0-9]+)?/(s|m|h)$';
const Rate = Type.String({
  pattern: RATE_PATTERN,
  description: 'Requests per period: "100/s", "600/m", "10000/h".',
  errorMessage: 'must be a rate such as "100/s", "600/m" or "10000/h"',
});

const Address = Type.String({
  pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+|\\*):[0-9]{1,5}$',
  description: 'HOST:PORT; IPv6 hosts in brackets ([::1]:8080). Port 0 picks a free port.',
  errorMessage: 'must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080',
});

const HttpMethod = Type.String({
  pattern: '^[A-Z][A-Z0-9_-]{0,31}$',
  errorMessage: 'must be an HTTP method in capitals, e.g. GET',
});

const HostPattern = Type.String({
  pattern: '^(\\*\\.)?[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?$|^\\[[0-9A-Fa-f:.]+\\]$',
  description: 'A host name ("api.example.com") or a wildcard for one or more labels ("*.example.com").',
  errorMessage: 'must be a host name such as api.example.com or *.example.com',
});

/** An IP address, a CIDR block, or the name of a list declared under `lists`. */
const IpOrList = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'An IPv4/IPv6 address, a CIDR block (10.0.0.0/8, 2001:db8::/32) or the name of a list under `lists`.',
});

const HsTs = Type.Object(
  {
    maxAge: Duration('How long browsers remember to use HTTPS only.'),
    includeSubDomains: Type.Optional(Type.Boolean()),
    preload: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, description: 'Adds Strict-Transport-Security to every response of this listener.' },
);

const Certificate = Type.Object(
  {
    cert: Type.String({ minLength: 1, description: 'PEM certificate file (with its chain).' }),
    key: Type.String({ minLength: 1, description: 'PEM private key file.' }),
    serverNames: Type.Optional(
      Type.Array(HostPattern, {
        minItems: 1,
        description: 'SNI names served with this certificate; by default the DNS names in its subjectAltName.',
      }),
    ),
  },
  { additionalProperties: false },
);

const ListenerTls = Type.Object(
  {
    certificates: Type.Array(Certificate, {
      minItems: 1,
      description: 'Chosen by SNI; the first one is served when the client sends no or an unknown name.',
    }),
    minVersion: Type.Optional(StringEnum(['TLSv1.2', 'TLSv1.3'] as const, { description: 'Default TLSv1.2.' })),
    hsts: Type.Optional(HsTs),
  },
  { additionalProperties: false },
);

const Listener = Type.Object(
  {
    name: Type.Optional(Name),
    address: Address,
    tls: Type.Optional(ListenerTls),
  },
  { additionalProperties: false },
);

const Condition = Type.Object(
  {
    ips: Type.Optional(Type.Array(IpOrList, { minItems: 1, description: 'Client IP in any of these.' })),
    notIps: Type.Optional(Type.Array(IpOrList, { minItems: 1, description: 'Client IP in none of these.' })),
    methods: Type.Optional(Type.Array(HttpMethod, { minItems: 1 })),
    hosts: Type.Optional(Type.Array(HostPattern, { minItems: 1 })),
    path: Type.Optional(
      Type.Object(
        {
          prefix: Type.Optional(Type.String({ pattern: '^/', errorMessage: 'must start with "/"' })),
          glob: Type.Optional(
            Type.String({
              pattern: '^/',
              description: '"*" matches within one segment, "**" across segments: /admin/**',
              errorMessage: 'must start with "/"',
            }),
          ),
          regex: Type.Optional(
            Type.String({ minLength: 1, description: 'Run by a linear-time engine: no backreferences or lookaround.' }),
          ),
        },
        { additionalProperties: false, description: 'Exactly one of prefix, glob or regex, on the normalised path.' },
      ),
    ),
    headers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", errorMessage: 'must be a header name' }),
            present: Type.Optional(Type.Boolean()),
            equals: Type.Optional(Type.String()),
            prefix: Type.Optional(Type.String()),
            regex: Type.Optional(Type.String({ minLength: 1 })),
          },
          {
            additionalProperties: false,
            description: 'One of present, equals, prefix or regex; equals/prefix compare case-sensitively.',
          },
        ),
        { minItems: 1 },
      ),
    ),
  },
  { additionalProperties: false, description: 'Every condition given must hold.' },
);

const AclRule = Type.Object(
  {
    name: Name,
    action: StringEnum(['allow', 'deny'] as const),
    match: Condition,
  },
  { additionalProperties: false },
);

const Acl = Type.Object(
  {
    defaultAction: Type.Optional(StringEnum(['allow', 'deny'] as const, { description: 'Default allow.' })),
    rules: Type.Optional(Type.Array(AclRule, { description: 'Evaluated in order; the first match decides.' })),
  },
  { additionalProperties: false },
);

const RateLimitPolicy = Type.Object(
  {
    name: Name,
    key: Type.String({
      pattern: "^(ip|route|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+)$",
      description: 'What is counted: "ip" (client IP), "route", or "header:<name>" (an API key, say).',
      errorMessage: 'must be "ip", "route" or "header:<header-name>"',
    }),
    rate: Rate,
    burst: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Requests allowed at once; default one second of rate.' }),
    ),
    routes: Type.Optional(Type.Array(Name, { minItems: 1, description: 'Only these routes (default all).' })),
    match: Type.Optional(Condition),
    onMissingKey: Type.Optional(
      StringEnum(['ip', 'skip'] as const, {
        description: 'For header keys: count requests without the header by client IP (default) or let them pass.',
      }),
    ),
    maxKeys: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 50_000_000, description: 'Keys tracked at most; idle keys expire (default 200,000).' }),
    ),
    headers: Type.Optional(Type.Boolean({ description: 'Send RateLimit/RateLimit-Policy headers (default true).' })),
  },
  { additionalProperties: false },
);

const UpstreamTls = Type.Object(
  {
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of CAs that sign the upstream certificates.' })),
    serverName: Type.Optional(Type.String({ minLength: 1 })),
    insecureSkipVerify: Type.Optional(Type.Boolean({ description: 'Never in production.' })),
  },
  { additionalProperties: false },
);

const Upstream = Type.Object(
  {
    targets: Type.Array(
      Type.String({
        pattern: '^https?://[^/?#\\s]+/?$',
        errorMessage: 'must be an origin URL such as http://127.0.0.1:3000',
      }),
      { minItems: 1 },
    ),
    connections: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'Connections per target per worker (default 128).' }),
    ),
    hostHeader: Type.Optional(
      Type.String({
        pattern: '^(preserve|target|[A-Za-z0-9._-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?)$',
        description: '"preserve" (default: the client\'s Host), "target" (the target\'s host) or a literal host[:port].',
        errorMessage: 'must be "preserve", "target" or a host name (with an optional :port)',
      }),
    ),
    timeouts: Type.Optional(
      Type.Object(
        {
          connect: Type.Optional(Duration('Connecting to a target (default 5s).')),
          response: Type.Optional(Duration('Waiting for response headers (default 30s); then 504.')),
          body: Type.Optional(Duration('Idle time between response body chunks (default 30s).')),
          keepAlive: Type.Optional(Duration('Idle upstream connections are closed after this (default 4s).')),
        },
        { additionalProperties: false },
      ),
    ),
    health: Type.Optional(
      Type.Object(
        {
          failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Consecutive failures (default 3).' })),
          cooldown: Type.Optional(Duration('How long a failing target is left out (default 10s).')),
        },
        { additionalProperties: false, description: 'Passive health: failing targets are taken out for a while.' },
      ),
    ),
    retries: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10, description: 'Other targets tried when a connection cannot be made (default 1).' }),
    ),
    tls: Type.Optional(UpstreamTls),
  },
  { additionalProperties: false },
);

const Route = Type.Object(
  {
    name: Name,
    match: Type.Optional(
      Type.Object(
        {
          hosts: Type.Optional(Type.Array(HostPattern, { minItems: 1 })),
          pathPrefix: Type.Optional(Type.String({ pattern: '^/', errorMessage: 'must start with "/"' })),
          methods: Type.Optional(Type.Array(HttpMethod, { minItems: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    upstream: Name,
  },
  { additionalProperties: false },
);

const WafExclusion = Type.Object(
  {
    routes: Type.Optional(Type.Array(Name, { minItems: 1, description: 'Only on these routes (default every route).' })),
    pathPrefix: Type.Optional(Type.String({ pattern: '^/', errorMessage: 'must start with "/"', description: 'Only under this path.' })),
    ruleIds: Type.Optional(
      Type.Array(
        Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]+-[0-9]+$' })], {
          errorMessage: 'must be a rule id or a range such as "942100-942199"',
        }),
        { minItems: 1 },
      ),
    ),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Rules carrying any of these tags.' })),
    targets: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description: 'Only stop inspecting these variables, e.g. "ARGS:password" or "REQUEST_COOKIES:/^session/"; default: the whole rules.',
      }),
    ),
  },
  { additionalProperties: false, description: 'Rules (by id or tag) not applied, or variables they do not inspect, where this matches.' },
);

const Waf = Type.Object(
  {
    mode: Type.Optional(
      StringEnum(['block', 'detect', 'off'] as const, {
        description: 'block (default): deny what the rules deny; detect: only record the matches; off.',
      }),
    ),
    crs: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'The OWASP CRS directory, "auto" (default: $PORTCULLIS_CRS_DIR, <dataDir>/crs, /usr/share/modsecurity-crs, ...) or "none".',
      }),
    ),
    paranoia: Type.Optional(Type.Integer({ minimum: 1, maximum: 4, description: 'CRS blocking paranoia level (default 1).' })),
    detectionParanoia: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 4, description: 'Rules up to this level add to scores without blocking (default = paranoia).' }),
    ),
    anomalyThreshold: Type.Optional(
      Type.Object(
        {
          inbound: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Default 5.' })),
          outbound: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Default 4.' })),
        },
        { additionalProperties: false },
      ),
    ),
    requestBody: Type.Optional(
      Type.Object(
        {
          limit: Type.Optional(Size('Request body bytes buffered and inspected (default 1mb).')),
          overLimit: Type.Optional(
            StringEnum(['reject', 'inspect-partial'] as const, {
              description: 'A longer body: refuse it with 413 (default) or inspect its first `limit` bytes only.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    responseBody: Type.Optional(
      Type.Object(
        {
          inspect: Type.Optional(Type.Boolean({ description: 'Inspect response bodies (data-leak rules; default false).' })),
          limit: Type.Optional(Size('Response body bytes buffered and inspected (default 512kb); the rest streams through.')),
          types: Type.Optional(
            Type.Array(Type.String({ pattern: '^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$' }), {
              minItems: 1,
              description: 'Media types inspected (default text/html, text/plain, text/xml, application/json).',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    inspectionBudget: Type.Optional(
      Duration('Time one request may spend in rules, all phases together (default 1s); past it the rest is skipped.'),
    ),
    onBudgetExceeded: Type.Optional(
      StringEnum(['block', 'allow'] as const, {
        description: 'What happens to a request whose inspection ran out of time (default block: nothing passes uninspected).',
      }),
    ),
    rules: Type.Optional(Type.String({ description: 'Your own rules in SecLang (ModSecurity syntax), inline.' })),
    ruleFiles: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'SecLang files (globs allowed), relative to this file.' }),
    ),
    exclusions: Type.Optional(Type.Array(WafExclusion)),
  },
  { additionalProperties: false, description: 'The WAF: a ModSecurity-compatible engine running the OWASP CRS and your own rules.' },
);

const LocalResponse = Type.Object(
  {
    status: Type.Optional(Type.Integer({ minimum: 200, maximum: 599 })),
    contentType: Type.Optional(Type.String({ minLength: 1 })),
    body: Type.Optional(
      Type.String({ maxLength: 4096, description: '"{requestId}" is replaced by the request id.' }),
    ),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    workers: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 256 }), Type.Literal('auto')], {
        description: 'Worker processes sharing the listeners; "auto" (default) is one per CPU.',
        errorMessage: 'must be a number of workers (1-256) or "auto"',
      }),
    ),
    dataDir: Type.Optional(Type.String({ minLength: 1, description: 'Where state, spools and files go (default ./data).' })),
    listeners: Type.Optional(Type.Array(Listener, { minItems: 1, description: 'Default: one plain listener on 127.0.0.1:8080.' })),
    admin: Type.Optional(
      Type.Object(
        { address: Address },
        { additionalProperties: false, description: 'The admin listener (health, readiness); default 127.0.0.1:9901.' },
      ),
    ),
    trustedProxies: Type.Optional(
      Type.Array(IpOrList, { description: 'Peers whose X-Forwarded-For and X-Request-Id are believed.' }),
    ),
    limits: Type.Optional(
      Type.Object(
        {
          maxBodyBytes: Type.Optional(Size('Largest request body (default 10mb); larger ones get 413.')),
          maxHeaderBytes: Type.Optional(Size('Largest request head (default 32kb); larger ones get 431.')),
          maxUriBytes: Type.Optional(Size('Longest request target (default 8kb); longer ones get 414.')),
          maxHeaderCount: Type.Optional(Type.Integer({ minimum: 8, maximum: 10_000, description: 'Default 100.' })),
        },
        { additionalProperties: false },
      ),
    ),
    timeouts: Type.Optional(
      Type.Object(
        {
          clientHeaders: Type.Optional(Duration('Time for a client to send the request head (default 10s); then 408.')),
          clientBody: Type.Optional(Duration('Idle time while a client sends the body (default 30s); then 408.')),
          keepAlive: Type.Optional(Duration('Idle keep-alive client connections are closed after this (default 5s).')),
          drain: Type.Optional(Duration('On SIGTERM, how long in-flight requests may take to finish (default 30s).')),
        },
        { additionalProperties: false },
      ),
    ),
    upstreams: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' }), Upstream)),
    routes: Type.Optional(Type.Array(Route, { description: 'Matched by host, then longest path prefix, then method.' })),
    lists: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' }), Type.Array(IpOrList), {
        description: 'Named IP/CIDR lists, used by acl, rateLimits and trustedProxies.',
      }),
    ),
    acl: Type.Optional(Acl),
    rateLimits: Type.Optional(Type.Array(RateLimitPolicy)),
    waf: Type.Optional(Waf),
    responses: Type.Optional(
      Type.Object(
        { deny: Type.Optional(LocalResponse) },
        { additionalProperties: false, description: 'The body of denials (default {"error":"forbidden","requestId":"..."}).' },
      ),
    ),
    accessLog: Type.Optional(
      Type.Object(
        { enabled: Type.Optional(Type.Boolean({ description: 'One JSON line per request on stdout (default true).' })) },
        { additionalProperties: false },
      ),
    ),
    log: Type.Optional(
      Type.Object(
        { level: Type.Optional(StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const)) },
        { additionalProperties: false, description: 'Operational log on stderr.' },
      ),
    ),
  },
  {
    additionalProperties: false,
    $id: 'https://portcullis.dev/schema/portcullis.schema.json',
    title: 'Portcullis gateway configuration',
  },
);

export type Config = Static<typeof ConfigSchema>;
export type ListenerConfig = Static<typeof Listener>;
export type ConditionConfig = Static<typeof Condition>;
export type AclRuleConfig = Static<typeof AclRule>;
export type RateLimitPolicyConfig = Static<typeof RateLimitPolicy>;
export type UpstreamConfig = Static<typeof Upstream>;
export type RouteConfig = Static<typeof Route>;
export type WafConfig = Static<typeof Waf>;
export type WafExclusionConfig = Static<typeof WafExclusion>;

/** The JSON Schema document published for editors (TypeBox's symbols drop out in JSON). */
export function jsonSchemaDocument(): Record<string, unknown> {
  const doc = JSON.parse(JSON.stringify(ConfigSchema)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...doc };
}
