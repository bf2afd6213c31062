// @detectSQLi: our implementation of the libinjection SQLi approach (../libinjection/sqli.ts).
// With `capture`, TX:0 holds the fingerprint, as ModSecurity does.
import { detectSqli } from '../libinjection/sqli.js';
import type { OperatorFactory } from './operator.js';

export const detectSqliOperator: OperatorFactory = {
  name: 'detectSQLi',
  create(param) {
    if (param.trim() !== '') throw new Error('@detectSQLi takes no parameter');
    return {
      pure: true,
      evaluate(ctx, value) {
        const r = detectSqli(value);
        if (!r.isSqli) return false;
        if (ctx.capturing) ctx.captures.push(r.fingerprint);
        return true;
      },
    };
  },
};
