// Routes are matched by host (exact, then wildcard, then routes for any host), then by the longest
// path prefix, then by method. A path that some route serves but not with this method answers 405.
import type { RouteSettings } from '../config/settings.js';
import { HostMatcher } from '../match/host.js';
import { pathHasPrefix } from '../match/path-prefix.js';
import type { UpstreamGroup } from './upstream-group.js';

export interface Route {
  readonly name: string;
  readonly settings: RouteSettings;
  readonly upstream: UpstreamGroup;
  /** null: any method. */
  readonly methods: ReadonlySet<string> | null;
}

export type RouteMatch = Route | 'no-route' | 'method-not-allowed';

interface HostBucket {
  /** Longest prefix first. */
  readonly routes: Route[];
}

function sortByPrefix(routes: Route[]): Route[] {
  return routes.sort((a, b) => b.settings.pathPrefix.length - a.settings.pathPrefix.length);
}

export class Router {
  private readonly exact = new Map<string, HostBucket>();
  /** Wildcard routes, most specific suffix first. */
  private readonly wildcard: { matcher: HostMatcher; suffixLength: number; bucket: HostBucket }[] = [];
  private readonly anyHost: HostBucket;
  readonly routes: readonly Route[];

  constructor(routes: readonly RouteSettings[], upstreams: ReadonlyMap<string, UpstreamGroup>) {
    const built: Route[] = routes.map((settings) => {
      const upstream = upstreams.get(settings.upstream);
      if (!upstream) throw new Error(`route ${settings.name}: unknown upstream ${settings.upstream}`);
      return { name: settings.name, settings, upstream, methods: settings.methods ? new Set(settings.methods) : null };
    });
    this.routes = built;
    const any: Route[] = [];
    const wild = new Map<string, Route[]>();
    for (const r of built) {
      if (!r.settings.hosts) {
        any.push(r);
        continue;
      }
      for (const h of r.settings.hosts) {
        const host = h.toLowerCase().replace(/\.$/, '');
        if (host.startsWith('*.')) {
          wild.set(host, [...(wild.get(host) ?? []), r]);
        } else {
          const bucket = this.exact.get(host) ?? { routes: [] };
          bucket.routes.push(r);
          this.exact.set(host, bucket);
        }
      }
    }
    for (const bucket of this.exact.values()) sortByPrefix(bucket.routes);
    for (const [pattern, rs] of wild) {
      this.wildcard.push({ matcher: new HostMatcher([pattern]), suffixLength: pattern.length, bucket: { routes: sortByPrefix(rs) } });
    }
    this.wildcard.sort((a, b) => b.suffixLength - a.suffixLength);
    this.anyHost = { routes: sortByPrefix(any) };
  }

  private static inBucket(bucket: HostBucket, path: string, method: string): RouteMatch {
    let pathMatched = false;
    for (const r of bucket.routes) {
      if (!pathHasPrefix(path, r.settings.pathPrefix)) continue;
      if (r.methods === null || r.methods.has(method)) return r;
      pathMatched = true;
    }
    return pathMatched ? 'method-not-allowed' : 'no-route';
  }

  /** `host` normalised (lower-case, no port); `path` normalised. */
  match(host: string, path: string, method: string): RouteMatch {
    let result: RouteMatch = 'no-route';
    const exact = this.exact.get(host);
    if (exact) {
      result = Router.inBucket(exact, path, method);
      if (typeof result !== 'string') return result;
    }
    for (const w of this.wildcard) {
      if (!w.matcher.matches(host)) continue;
      const r = Router.inBucket(w.bucket, path, method);
      if (typeof r !== 'string') return r;
      if (r === 'method-not-allowed') result = r;
    }
    const r = Router.inBucket(this.anyHost, path, method);
    if (typeof r !== 'string') return r;
    return r === 'method-not-allowed' ? r : result;
  }
}
