// How a selector regex (TX:/^header_name_920450_/, ARGS:/^json\./) tests collection keys. Keys are
// matched caselessly and with ModSecurity's multiline "^", which the translation spells as a
// lookbehind that V8 cannot anchor: it tries the pattern at every offset of every key. The CRS's
// selectors are mostly a plain prefix, and a key without a line break can only match one at its
// start, so those are tested as a prefix first (the regex still decides for keys holding "\n").
import { compilePcre } from './pcre.js';
import type { VariableRef } from '../seclang/variable-list.js';

export interface KeyPattern {
  test(key: string): boolean;
}

/** "^" then letters, digits, "_" or "-" only: a caseless prefix. */
const PLAIN_PREFIX = /^\^([A-Za-z0-9_-]+)$/;

/** Compiles a selector regex; throws PcreError as compilePcre does. */
export function compileKeyPattern(source: string): KeyPattern {
  const re = compilePcre(source, { caseless: true });
  const m = PLAIN_PREFIX.exec(source);
  if (!m) return re;
  const prefix = m[1]!.toLowerCase();
  return {
    test: (key: string) => startsWithFolded(key, prefix) || (key.indexOf('\n') !== -1 && re.test(key)),
  };
}

/**
 * The key pattern of a `NAME:/regex/` reference (undefined for other selectors), for rule
 * targets and ctl:ruleRemoveTarget* alike; an invalid regex is an Error naming the reference.
 */
export function selectorPattern(ref: VariableRef): KeyPattern | undefined {
  if (ref.selector?.kind !== 'regex') return undefined;
  try {
    return compileKeyPattern(ref.selector.source);
  } catch (err) {
    throw new Error(`invalid regex in "${ref.written}": ${(err as Error).message}`, { cause: err });
  }
}

/** Whether `key` starts with `lowerPrefix`, ASCII case-folded (as PCRE's caseless C locale). */
function startsWithFolded(key: string, lowerPrefix: string): boolean {
  if (key.length < lowerPrefix.length) return false;
  for (let i = 0; i < lowerPrefix.length; i++) {
    let c = key.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lowerPrefix.charCodeAt(i)) return false;
  }
  return true;
}
