// Strict textual IP addresses, as inet_pton reads them (libmodsecurity's ipMatch uses it):
// IPv4 as four decimal octets without leading zeros; IPv6 as up to eight hex groups with at most
// one "::" and an optional dotted IPv4 tail. No zone ids, no brackets, no whitespace.

const MAX_IPV6_TEXT = 45;

/** The address as an unsigned 32-bit number, or -1. Reads text[from, to). */
export function parseIPv4(text: string, from = 0, to = text.length): number {
  let value = 0;
  let octets = 0;
  let i = from;
  while (octets < 4) {
    const start = i;
    let octet = 0;
    while (i < to && i - start < 3) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      octet = octet * 10 + (c - 0x30);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || octet > 255 || (digits > 1 && text.charCodeAt(start) === 0x30)) return -1;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (i >= to || text.charCodeAt(i) !== 0x2e) return -1;
      i++;
    }
  }
  return i === to ? value : -1;
}

const hexDigit = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
};

/** The eight 16-bit groups, or null. */
export function parseIPv6(text: string): number[] | null {
  const n = text.length;
  if (n < 2 || n > MAX_IPV6_TEXT) return null;
  const head: number[] = [];
  const tail: number[] = [];
  let groups = head;
  let compressed = false;
  let i = 0;
  if (text.startsWith('::')) {
    compressed = true;
    groups = tail;
    i = 2;
    if (i === n) return [0, 0, 0, 0, 0, 0, 0, 0];
  } else if (text.charCodeAt(0) === 0x3a) {
    return null;
  }
  for (;;) {
    // A dotted IPv4 tail takes the last two groups.
    const colon = text.indexOf(':', i);
    const end = colon === -1 ? n : colon;
    if (colon === -1 && text.indexOf('.', i) !== -1) {
      const v4 = parseIPv4(text, i, n);
      if (v4 < 0) return null;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
      break;
    }
    if (end === i || end - i > 4) return null;
    let g = 0;
    for (let k = i; k < end; k++) {
      const h = hexDigit(text.charCodeAt(k));
      if (h < 0) return null;
      g = g * 16 + h;
    }
    groups.push(g);
    if (colon === -1) break;
    i = colon + 1;
    if (text.charCodeAt(i) === 0x3a) {
      if (compressed) return null;
      compressed = true;
      groups = tail;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return null;
    }
  }
  const total = head.length + tail.length;
  if (compressed ? total > 7 : total !== 8) return null;
  const out = head.slice();
  for (let k = total; k < 8; k++) out.push(0);
  for (let k = 0; k < tail.length; k++) out[8 - tail.length + k] = tail[k]!;
  return out;
}
