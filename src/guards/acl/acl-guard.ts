// ACL: ordered rules over client IP (addresses, CIDRs, named lists; IPv4 and IPv6), method, host,
// path and header values. The first rule that matches decides; otherwise the default action.
import type { AclRuleConfig } from '../../config/schema.js';
import { allowVerdict, type Guard, type Verdict } from '../../gateway/guard.js';
import type { Exchange } from '../../gateway/exchange.js';
import { compileCondition, type CompiledCondition } from '../../match/condition.js';

interface CompiledRule {
  readonly condition: CompiledCondition;
  readonly verdict: Verdict;
}

export interface AclSettings {
  readonly defaultAction: 'allow' | 'deny';
  readonly rules: readonly AclRuleConfig[];
}

const NAME = 'acl';

function verdictFor(action: 'allow' | 'deny', rule?: string): Verdict {
  if (action === 'allow') return allowVerdict(NAME, rule);
  return Object.freeze({
    guard: NAME,
    action: 'block',
    ...(rule !== undefined ? { rule } : {}),
    reason: rule !== undefined ? 'acl rule' : 'acl default deny',
    code: 'forbidden',
  });
}

export class AclGuard implements Guard {
  readonly name = NAME;
  private readonly rules: CompiledRule[];
  private readonly fallback: Verdict;

  constructor(settings: AclSettings, lists: Readonly<Record<string, readonly string[]>>) {
    this.rules = settings.rules.map((rule) => ({
      condition: compileCondition(rule.match, lists, (path, message) => {
        // The config was checked before it got here; a problem now is a bug, not a user error.
        throw new Error(`acl rule ${rule.name}: ${path.join('.')}: ${message}`);
      }),
      verdict: verdictFor(rule.action, rule.name),
    }));
    this.fallback = verdictFor(settings.defaultAction);
  }

  onRequest(ex: Exchange): Verdict {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      if (rules[i]!.condition.matches(ex)) return rules[i]!.verdict;
    }
    return this.fallback;
  }
}
