// The single-letter C escapes shared by t:jsDecode and t:escapeSeqDecode.

/** The byte for \a \b \f \n \r \t \v, or -1 for any other letter. */
export function controlEscape(c: number): number {
  switch (c) {
    case 0x61: return 0x07; // \a
    case 0x62: return 0x08; // \b
    case 0x66: return 0x0c; // \f
    case 0x6e: return 0x0a; // \n
    case 0x72: return 0x0d; // \r
    case 0x74: return 0x09; // \t
    case 0x76: return 0x0b; // \v
    default: return -1;
  }
}
