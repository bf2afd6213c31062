// @ipMatchFromFile (alias ipMatchF): @ipMatch with its entries in data files, one or more per
// line (comma-separated), "#" starting a comment anywhere on a line (libmodsecurity's rules).
import type { Operator, OperatorFactory, OperatorCompileContext, OperatorRunContext } from './operator.js';
import { dataFilePaths } from './data-files.js';
import { addIpEntries } from './ip-match.js';
import { IpMatchSet } from './ip-set.js';

class IpMatchFromFile implements Operator {
  constructor(private readonly set: IpMatchSet) {}

  evaluate(_ctx: OperatorRunContext, value: string): boolean {
    return this.set.has(value);
  }
}

function create(param: string, ctx: OperatorCompileContext): Operator {
  const set = new IpMatchSet();
  for (const file of dataFilePaths('ipMatchFromFile', param, ctx)) {
    ctx
      .readFile(file)
      .split('\n')
      .forEach((line, i) => {
        const hash = line.indexOf('#');
        addIpEntries(set, hash === -1 ? line : line.slice(0, hash), `@ipMatchFromFile ${file}:${i + 1}`);
      });
  }
  return new IpMatchFromFile(set);
}

export const ipMatchFromFileOperator: OperatorFactory = {
  name: 'ipMatchFromFile',
  aliases: ['ipMatchF'],
  create,
};
