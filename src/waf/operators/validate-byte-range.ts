// @validateByteRange "9,10,13,32-126": matches when the value holds a byte OUTSIDE the listed
// values and ranges (0-255). Items are comma-separated; spaces around numbers are allowed, as
// std::stoi allows them in libmodsecurity. Unlike libmodsecurity, which logs a bad item and
// carries on (and indexes out of its table for a single value above 255), a bad item is a load
// error here.
import { hasMacro, type Operator, type OperatorFactory, type OperatorRunContext } from './operator.js';
import { RuntimeCache } from './runtime-cache.js';

/** allowed[b] === 1 when byte b is in the ranges. */
type ByteTable = Uint8Array;

export function parseByteRanges(param: string): ByteTable {
  const allowed = new Uint8Array(256);
  const items = param.split(',');
  for (const raw of items) {
    const item = raw.trim();
    const m = /^(\d{1,3})(?:\s*-\s*(\d{1,3}))?$/.exec(item);
    if (m === null) {
      throw new Error(`@validateByteRange: "${item}" is not a byte value or range (expected e.g. "9,10,13,32-126")`);
    }
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > 255 || hi > 255) throw new Error(`@validateByteRange: "${item}" is outside 0-255`);
    if (lo > hi) throw new Error(`@validateByteRange: "${item}" is an empty range (start above end)`);
    allowed.fill(1, lo, hi + 1);
  }
  return allowed;
}

function outside(value: string, allowed: ByteTable): boolean {
  for (let i = 0; i < value.length; i++) {
    if (allowed[value.charCodeAt(i) & 0xff] !== 1) return true;
  }
  return false;
}

/**
 * A class search for the bytes not allowed (and any code unit above 0xFF, which the loop reads
 * by its low byte): most values hold none, and V8 scans for a class faster than the loop.
 */
function disallowedSearch(allowed: ByteTable): RegExp {
  let cls = '';
  for (let b = 0; b < 256; b++) if (allowed[b] !== 1) cls += `\\x${b.toString(16).padStart(2, '0')}`;
  return new RegExp(`[${cls}\\u0100-\\uffff]`);
}

class StaticByteRange implements Operator {
  readonly pure = true;
  private readonly search: RegExp;

  constructor(private readonly allowed: ByteTable) {
    this.search = disallowedSearch(allowed);
  }

  evaluate(_ctx: OperatorRunContext, value: string): boolean {
    // The search can only say "maybe" (a code unit above 0xFF may have an allowed low byte).
    return this.search.test(value) && outside(value, this.allowed);
  }
}

class DynamicByteRange implements Operator {
  private readonly cache = new RuntimeCache(parseByteRanges);

  constructor(private readonly param: string) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    const allowed = this.cache.get(ctx.expand(this.param));
    return allowed !== null && outside(value, allowed);
  }
}

export const validateByteRangeOperator: OperatorFactory = {
  name: 'validateByteRange',
  create: (param) => (hasMacro(param) ? new DynamicByteRange(param) : new StaticByteRange(parseByteRanges(param))),
};
