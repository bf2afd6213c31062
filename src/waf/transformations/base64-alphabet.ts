// The standard base64 alphabet (RFC 4648 section 4), shared by the base64 decoders.

/** The 6-bit value of a base64 digit (A-Z a-z 0-9 + /), or -1. '=' is not a digit. */
export function base64DigitValue(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (c === 0x2b) return 62;
  if (c === 0x2f) return 63;
  return -1;
}
