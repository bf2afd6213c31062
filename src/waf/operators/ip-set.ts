// Addresses and CIDR blocks for @ipMatch / @ipMatchFromFile. Entries are kept per prefix length
// as masked keys, so a lookup costs one set probe per distinct prefix length (at most 33 for
// IPv4, 129 for IPv6), whatever the number of entries.
import { parseIPv4, parseIPv6 } from './ip-address.js';

/**
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are the IPv4 address, in values and in entries
 * (libmodsecurity keeps them apart; a dual-stack listener reports IPv4 clients that way).
 */
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0xffff];

function isMapped(groups: readonly number[]): boolean {
  return MAPPED_PREFIX.every((g, k) => groups[k] === g);
}

function maskV4(address: number, prefix: number): number {
  if (prefix === 0) return 0;
  return Math.floor(address / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
}

function keyV6(groups: readonly number[], prefix: number): string {
  let key = '';
  let bits = prefix;
  for (let k = 0; k < 8; k++) {
    const keep = bits >= 16 ? 16 : bits > 0 ? bits : 0;
    bits -= keep;
    const g = keep === 0 ? 0 : keep === 16 ? groups[k]! : (groups[k]! >> (16 - keep)) << (16 - keep);
    key += g.toString(16).padStart(4, '0');
  }
  return key;
}

export class IpMatchSet {
  private readonly v4 = new Map<number, Set<number>>();
  private readonly v6 = new Map<number, Set<string>>();
  private v4Prefixes: number[] = [];
  private v6Prefixes: number[] = [];

  /**
   * Adds "a.b.c.d", "a.b.c.d/n", an IPv6 address or "x::/n"; throws with a readable message. As in
   * libmodsecurity an entry with ":" is IPv6, any other IPv4; host bits of a block are ignored.
   */
  add(entry: string): void {
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const v6 = address.includes(':');
    const max = v6 ? 128 : 32;
    let prefix = max;
    if (slash !== -1) {
      const text = entry.slice(slash + 1);
      if (!/^[0-9]{1,3}$/.test(text) || Number(text) > max) throw new Error(`"${entry}" has an invalid prefix length (0-${max})`);
      prefix = Number(text);
    }
    if (v6) {
      const groups = parseIPv6(address);
      if (groups === null) throw new Error(`"${entry}" is not an IPv6 address or block`);
      if (prefix >= 96 && isMapped(groups)) {
        // An IPv4-mapped block (::ffff:a.b.c.d/n) is that IPv4 block: values of either form match.
        this.addTo(this.v4, maskV4(groups[6]! * 65536 + groups[7]!, prefix - 96), prefix - 96);
        this.v4Prefixes = [...this.v4.keys()].sort((a, b) => b - a);
        return;
      }
      this.addTo(this.v6, keyV6(groups, prefix), prefix);
      this.v6Prefixes = [...this.v6.keys()].sort((a, b) => b - a);
    } else {
      const v4 = parseIPv4(address);
      if (v4 < 0) throw new Error(`"${entry}" is not an IPv4 address or block`);
      this.addTo(this.v4, maskV4(v4, prefix), prefix);
      this.v4Prefixes = [...this.v4.keys()].sort((a, b) => b - a);
    }
  }

  private addTo<K>(map: Map<number, Set<K>>, key: K, prefix: number): void {
    let set = map.get(prefix);
    if (set === undefined) map.set(prefix, (set = new Set()));
    set.add(key);
  }

  get size(): number {
    let n = 0;
    for (const s of this.v4.values()) n += s.size;
    for (const s of this.v6.values()) n += s.size;
    return n;
  }

  /** True when `value` is a valid address inside one of the entries; anything else is false. */
  has(value: string): boolean {
    if (value.length > 45) return false;
    if (!value.includes(':')) {
      const v4 = parseIPv4(value);
      return v4 >= 0 && this.hasV4(v4);
    }
    const groups = parseIPv6(value);
    if (groups === null) return false;
    for (const prefix of this.v6Prefixes) if (this.v6.get(prefix)!.has(keyV6(groups, prefix))) return true;
    if (isMapped(groups)) return this.hasV4(groups[6]! * 65536 + groups[7]!);
    return false;
  }

  private hasV4(address: number): boolean {
    for (const prefix of this.v4Prefixes) if (this.v4.get(prefix)!.has(maskV4(address, prefix))) return true;
    return false;
  }
}
