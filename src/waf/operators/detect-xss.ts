// @detectXSS: our implementation of the libinjection XSS approach (../libinjection/xss.ts).
// With `capture`, TX:0 holds the whole input, as ModSecurity does.
import { detectXss } from '../libinjection/xss.js';
import type { OperatorFactory } from './operator.js';

export const detectXssOperator: OperatorFactory = {
  name: 'detectXSS',
  create(param) {
    if (param.trim() !== '') throw new Error('@detectXSS takes no parameter');
    return {
      pure: true,
      evaluate(ctx, value) {
        if (!detectXss(value)) return false;
        if (ctx.capturing) ctx.captures.push(value);
        return true;
      },
    };
  },
};
