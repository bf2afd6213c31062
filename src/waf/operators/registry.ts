// LOCAL STUB (not committed): replaced by the real registry on merge.
import type { Operator, OperatorFactory } from './operator.js';
import { compilePcre } from '../regex/pcre.js';
const map = new Map<string, OperatorFactory>();
export function registerOperator(f: OperatorFactory): void { map.set(f.name.toLowerCase(), f); }
export function getOperatorFactory(name: string): OperatorFactory | undefined { return map.get(name.toLowerCase()) ?? { name, create: () => ({ evaluate: () => false }) }; }
const num = (name: string, cmp: (a: number, b: number) => boolean): OperatorFactory => ({ name, create: (p): Operator => ({ evaluate: (ctx, v) => cmp(parseInt(v, 10) || 0, parseInt(ctx.expand(p), 10) || 0) }) });
registerOperator(num('eq', (a, b) => a === b)); registerOperator(num('ge', (a, b) => a >= b)); registerOperator(num('gt', (a, b) => a > b)); registerOperator(num('le', (a, b) => a <= b)); registerOperator(num('lt', (a, b) => a < b));
registerOperator({ name: 'rx', create: (p) => { const re = compilePcre(p); return { evaluate: (ctx, v) => { const m = re.exec(v); if (!m) return false; if (ctx.capturing) for (let i = 0; i < m.length && i < 10; i++) ctx.captures.push(m[i] ?? ''); return true; } }; } });
registerOperator({ name: 'pm', create: (p) => { const ws = p.toLowerCase().split(/\s+/).filter(Boolean); return { evaluate: (_c, v) => { const l = v.toLowerCase(); return ws.some((w) => l.includes(w)); } }; } });
registerOperator({ name: 'within', create: (p) => ({ evaluate: (ctx, v) => v !== '' && ctx.expand(p).includes(v) }) });
registerOperator({ name: 'streq', create: (p) => ({ evaluate: (ctx, v) => ctx.expand(p) === v }) });
registerOperator({ name: 'contains', create: (p) => ({ evaluate: (ctx, v) => v.includes(ctx.expand(p)) }) });
registerOperator({ name: 'beginsWith', create: (p) => ({ evaluate: (ctx, v) => v.startsWith(ctx.expand(p)) }) });
registerOperator({ name: 'endsWith', create: (p) => ({ evaluate: (ctx, v) => v.endsWith(ctx.expand(p)) }) });
registerOperator({ name: 'unconditionalMatch', create: () => ({ evaluate: () => true }) });
