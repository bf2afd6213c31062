// Operators by name ("@name" without the "@"), case-insensitively as libmodsecurity looks them
// up, aliases included. The built-ins register here; others (@detectSQLi, @detectXSS) through
// registerOperator.
import type { OperatorFactory } from './operator.js';
import { beginsWithOperator } from './begins-with.js';
import { containsOperator } from './contains.js';
import { containsWordOperator } from './contains-word.js';
import { endsWithOperator } from './ends-with.js';
import { eqOperator } from './eq.js';
import { geOperator } from './ge.js';
import { gtOperator } from './gt.js';
import { ipMatchOperator } from './ip-match.js';
import { ipMatchFromFileOperator } from './ip-match-from-file.js';
import { leOperator } from './le.js';
import { ltOperator } from './lt.js';
import { noMatchOperator } from './no-match.js';
import { pmOperator } from './pm.js';
import { pmFromFileOperator } from './pm-from-file.js';
import { rxOperator } from './rx.js';
import { rxGlobalOperator } from './rx-global.js';
import { streqOperator } from './streq.js';
import { strmatchOperator } from './strmatch.js';
import { unconditionalMatchOperator } from './unconditional-match.js';
import { validateByteRangeOperator } from './validate-byte-range.js';
import { validateUrlEncodingOperator } from './validate-url-encoding.js';
import { validateUtf8EncodingOperator } from './validate-utf8-encoding.js';
import { withinOperator } from './within.js';

const factories = new Map<string, OperatorFactory>();

export function getOperatorFactory(name: string): OperatorFactory | undefined {
  return factories.get(name.toLowerCase());
}

/** Adds an operator under its name and aliases; a name already taken is an Error. */
export function registerOperator(f: OperatorFactory): void {
  const names = [f.name, ...(f.aliases ?? [])].map((n) => n.toLowerCase());
  for (const n of names) {
    if (factories.has(n)) throw new Error(`operator "@${n}" is already registered`);
  }
  for (const n of names) factories.set(n, f);
}

for (const f of [
  beginsWithOperator,
  containsOperator,
  containsWordOperator,
  endsWithOperator,
  eqOperator,
  geOperator,
  gtOperator,
  ipMatchOperator,
  ipMatchFromFileOperator,
  leOperator,
  ltOperator,
  noMatchOperator,
  pmOperator,
  pmFromFileOperator,
  rxOperator,
  rxGlobalOperator,
  streqOperator,
  strmatchOperator,
  unconditionalMatchOperator,
  validateByteRangeOperator,
  validateUrlEncodingOperator,
  validateUtf8EncodingOperator,
  withinOperator,
]) {
  registerOperator(f);
}
