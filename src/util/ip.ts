// Client addresses and address sets. Node's BlockList does the CIDR matching (IPv4 and IPv6);
// this module normalises addresses so that "::ffff:10.0.0.1" and "10.0.0.1" are the same client.
import net from 'node:net';

/** The canonical text of an address: IPv4-mapped IPv6 folded to IPv4, IPv6 lower-cased. */
export function normalizeIp(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (address.includes(':')) {
    const lower = address.toLowerCase();
    return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
  }
  return address;
}

export function ipFamily(address: string): 'ipv4' | 'ipv6' {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

export interface ParsedCidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** "10.0.0.0/8", "2001:db8::/32" or a single address; throws with a readable reason. */
export function parseCidr(entry: string): ParsedCidr {
  const slash = entry.indexOf('/');
  const rawAddress = slash === -1 ? entry : entry.slice(0, slash);
  const version = net.isIP(rawAddress);
  if (version === 0) throw new Error(`"${entry}" is not an IP address or CIDR block`);
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const text = entry.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(text) || Number(text) > max) {
      throw new Error(`"${entry}" has an invalid prefix length (0-${max})`);
    }
    prefix = Number(text);
  }
  return { address: normalizeIp(rawAddress), prefix, family: ipFamily(normalizeIp(rawAddress)) };
}

/** Names of lists are identifiers; addresses always hold a digit plus "." or ":". */
export function isListReference(entry: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_.-]*$/.test(entry) && net.isIP(entry) === 0;
}

/** A set of addresses and CIDR blocks, tested with one call per request. */
export class IpSet {
  private readonly list = new net.BlockList();
  private size = 0;

  add(cidr: ParsedCidr): void {
    // A mapped IPv4 block written in IPv6 notation was already folded by normalizeIp.
    if (cidr.prefix === (cidr.family === 'ipv4' ? 32 : 128)) this.list.addAddress(cidr.address, cidr.family);
    else this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    this.size++;
  }

  get empty(): boolean {
    return this.size === 0;
  }

  /** `ip` must already be normalised. */
  has(ip: string): boolean {
    if (this.size === 0) return false;
    return this.list.check(ip, ipFamily(ip));
  }
}

/**
 * Builds an IpSet from entries that are addresses, CIDR blocks or list names.
 * Errors are returned, not thrown, so that a config check can report every bad entry at once.
 */
export function buildIpSet(
  entries: readonly string[],
  lists: Readonly<Record<string, readonly string[]>>,
  onError: (index: number, message: string) => void,
): IpSet {
  const set = new IpSet();
  entries.forEach((entry, index) => {
    if (isListReference(entry)) {
      const list = lists[entry];
      if (!list) {
        onError(index, `unknown list "${entry}" (declare it under lists)`);
        return;
      }
      for (const item of list) {
        try {
          set.add(parseCidr(item));
        } catch {
          // Bad list items are reported where the list is declared.
        }
      }
      return;
    }
    try {
      set.add(parseCidr(entry));
    } catch (err) {
      onError(index, (err as Error).message);
    }
  });
  return set;
}
