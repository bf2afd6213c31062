// PCRE patterns, as the CRS and ModSecurity users write them, compiled for V8.
// PLACEHOLDER until the translator lands: strips leading inline flags only.

export interface PcreOptions {
  /** Case-insensitive (as if the pattern started with (?i)). */
  readonly caseless?: boolean;
  /** Global flag for repeated matching (lastIndex semantics). */
  readonly global?: boolean;
}

export class PcreError extends Error {}

/**
 * Compiles a PCRE pattern with ModSecurity v3's options (DOTALL | MULTILINE), against byte
 * strings. Throws PcreError with a readable message when the pattern is invalid or unsupported.
 */
export function compilePcre(pattern: string, options: PcreOptions = {}): RegExp {
  let flags = 'sm';
  let source = pattern;
  const m = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (m) {
    source = source.slice(m[0].length);
    if (m[1]!.includes('i')) flags += 'i';
  }
  source = source.replace(/\\x\{([0-9a-fA-F]{2})\}/g, '\\x$1');
  if (source.includes('(?i:') || source.includes('(?i)')) { source = source.replace(/\(\?i:/g, '(?:').replace(/\(\?i\)/g, ''); if (!flags.includes('i')) flags += 'i'; }
  if (options.caseless && !flags.includes('i')) flags += 'i';
  if (options.global) flags += 'g';
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new PcreError((err as Error).message);
  }
}
