// @ipMatch "10.0.0.0/8,192.168.1.5,::1,2001:db8::/32": the value is an IP address inside one of
// the comma-separated entries. Values that are no address do not match. Spaces around entries
// are allowed (libmodsecurity refuses them); "/0" blocks are allowed (libmodsecurity refuses).
import { hasMacro, type Operator, type OperatorFactory, type OperatorRunContext } from './operator.js';
import { IpMatchSet } from './ip-set.js';
import { RuntimeCache } from './runtime-cache.js';

/** Adds the comma-separated entries of `text` (empty entries are skipped, like strtok). */
export function addIpEntries(set: IpMatchSet, text: string, where: string): void {
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    try {
      set.add(entry);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
    }
  }
}

function ipSetOf(param: string): IpMatchSet {
  const set = new IpMatchSet();
  addIpEntries(set, param, '@ipMatch');
  if (set.size === 0) throw new Error('@ipMatch needs at least one address or block');
  return set;
}

class StaticIpMatch implements Operator {
  constructor(private readonly set: IpMatchSet) {}

  evaluate(_ctx: OperatorRunContext, value: string): boolean {
    return this.set.has(value);
  }
}

class DynamicIpMatch implements Operator {
  private readonly cache = new RuntimeCache(ipSetOf);

  constructor(private readonly param: string) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    const set = this.cache.get(ctx.expand(this.param));
    return set !== null && set.has(value);
  }
}

export const ipMatchOperator: OperatorFactory = {
  name: 'ipMatch',
  create: (param) => (hasMacro(param) ? new DynamicIpMatch(param) : new StaticIpMatch(ipSetOf(param))),
};
