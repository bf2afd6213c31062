// The guards, in pipeline order. Each factory builds its guard from the resolved settings or
// returns undefined when its section is not configured. Later stages (waf, spec enforcement,
// anomaly score) register here.
import type { GatewaySettings } from '../config/settings.js';
import type { Guard, GuardFactory } from '../gateway/guard.js';
import { AclGuard } from './acl/acl-guard.js';
import { RateLimitGuard, type RateLimitState } from './rate-limit/rate-limit-guard.js';
import { WafGuard } from './waf/waf-guard.js';
import { wafRuleSet } from './waf/rule-set-cache.js';

export interface GuardContext {
  readonly settings: GatewaySettings;
  readonly rateLimitState: RateLimitState;
}

export const guardFactories: readonly GuardFactory<GuardContext>[] = [
  {
    name: 'acl',
    create: ({ settings }) =>
      settings.acl.rules.length > 0 || settings.acl.defaultAction === 'deny' ? new AclGuard(settings.acl, settings.lists) : undefined,
  },
  {
    name: 'rateLimit',
    create: ({ settings, rateLimitState }) =>
      settings.rateLimits.length > 0 ? new RateLimitGuard(settings.rateLimits, settings.lists, rateLimitState) : undefined,
  },
  {
    name: 'waf',
    create: ({ settings }) => (settings.waf.mode === 'off' ? undefined : new WafGuard(wafRuleSet(settings.waf), settings.waf)),
  },
];

export function buildGuards(context: GuardContext): Guard[] {
  const guards: Guard[] = [];
  for (const f of guardFactories) {
    const g = f.create(context);
    if (g) guards.push(g);
  }
  return guards;
}
