// Host names as routes and rules name them: exact ("api.example.com") or a wildcard for one or
// more leading labels ("*.example.com"). Request hosts are normalised once per request.

/** Lower-case, port and trailing dot removed; IPv6 literals keep their brackets. */
export function normalizeHost(raw: string | undefined): string {
  if (!raw) return '';
  let host = raw;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end === -1 ? host : host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}

export class HostMatcher {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];

  constructor(patterns: readonly string[]) {
    for (const p of patterns) {
      const host = normalizeHost(p);
      if (host.startsWith('*.')) this.suffixes.push(host.slice(1));
      else this.exact.add(host);
    }
  }

  /** `host` must be normalised. */
  matches(host: string): boolean {
    if (this.exact.has(host)) return true;
    for (const suffix of this.suffixes) {
      if (host.length > suffix.length && host.endsWith(suffix)) return true;
    }
    return false;
  }

  /** How specific a match is: exact beats wildcard; longer wildcards beat shorter ones. */
  specificity(host: string): number {
    if (this.exact.has(host)) return Number.MAX_SAFE_INTEGER;
    let best = -1;
    for (const suffix of this.suffixes) {
      if (host.length > suffix.length && host.endsWith(suffix) && suffix.length > best) best = suffix.length;
    }
    return best;
  }
}
