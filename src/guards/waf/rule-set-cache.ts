// Loading the CRS takes a moment, so a reload that leaves the WAF's sources and files as they
// were reuses the loaded rule set (and its persistent collections) instead of building a new one.
import fs from 'node:fs';
import type { WafSettings } from '../../config/settings.js';
import { MemoryStore } from '../../waf/engine/persistence.js';
import type { RuleSet } from '../../waf/engine/ruleset.js';
import { loadRuleSet } from '../../waf/seclang/loader.js';

let cached: { key: string; stamps: string; rules: RuleSet } | undefined;
/** IP/GLOBAL collections outlive reloads. */
const store = new MemoryStore();

function stampsOf(files: readonly string[]): string {
  let out = '';
  for (const f of files) {
    try {
      const st = fs.statSync(f);
      out += `${f}:${st.mtimeMs}:${st.size};`;
    } catch {
      out += `${f}:gone;`;
    }
  }
  return out;
}

export function wafRuleSet(settings: WafSettings): RuleSet {
  const key = JSON.stringify(settings.sources);
  if (cached && cached.key === key && stampsOf(cached.rules.files) === cached.stamps) return cached.rules;
  // The CRS's paranoia level lets the prefilter leave out the rules of higher levels (exact either way).
  // The WAF guard sets TX:PORTCULLIS_ROUTE before phase 1 (waf-guard.ts): constant folding must not count on it.
  const hostTxKeys = ['PORTCULLIS_ROUTE'];
  const rules = loadRuleSet(settings.sources, settings.crsDir !== undefined ? { store, paranoia: settings.detectionParanoia, hostTxKeys } : { store, hostTxKeys });
  cached = { key, stamps: stampsOf(rules.files), rules };
  return rules;
}
