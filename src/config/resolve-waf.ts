// The `waf` section resolved: mode, the CRS directory (configured, found by `auto`, or none),
// body limits, exclusions turned into SecLang ctl rules, and the ordered SecLang sources the
// engine loads. The sources are loaded here once, so a mistake in a rule is a configuration
// problem with its file and line, never a worker that fails to start.
import path from 'node:path';
import { findCrs } from '../waf/crs/locate.js';
import { crsProblem, crsRulesDirective, crsSetupDirectives, engineDirectives } from '../waf/crs/setup.js';
import { loadRuleSet } from '../waf/seclang/loader.js';
import { SecLangErrors } from '../waf/seclang/errors.js';
import { parseVariableList } from '../waf/seclang/variable-list.js';
import type { ConfigPath } from './problems.js';
import type { WafConfig, WafExclusionConfig } from './schema.js';
import type { WafSettings, WafSource } from './settings.js';
import { parseDuration, parseSize } from './units.js';

/** Ids of the rules generated for exclusions (ModSecurity leaves 9,000,000+ to local use here). */
export const EXCLUSION_RULE_BASE = 9_100_000;
const DEFAULT_RESPONSE_TYPES = ['text/html', 'text/plain', 'text/xml', 'application/json'];

export interface WafResolveContext {
  readonly baseDir: string;
  readonly dataDir: string;
  readonly routeNames: ReadonlySet<string>;
  report(path: ConfigPath, message: string): void;
  warn(path: ConfigPath, message: string): void;
}

const OFF: WafSettings = Object.freeze({
  mode: 'off',
  crsDir: undefined,
  crsSource: 'none',
  paranoia: 1,
  detectionParanoia: 1,
  requestBodyLimit: 1024 * 1024,
  requestBodyOverLimit: 'reject',
  responseBody: { inspect: false, limit: 512 * 1024, types: DEFAULT_RESPONSE_TYPES },
  inspectionBudgetMs: 1000,
  onBudgetExceeded: 'block',
  sources: [],
});

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function exclusionRules(exclusions: readonly WafExclusionConfig[], ctx: WafResolveContext): string {
  const lines: string[] = [];
  let id = EXCLUSION_RULE_BASE;
  exclusions.forEach((ex, i) => {
    const where: ConfigPath = ['waf', 'exclusions', i];
    if (!ex.ruleIds && !ex.tags) return ctx.report(where, 'give ruleIds or tags: which rules this exclusion is about');
    for (const [j, r] of (ex.routes ?? []).entries()) {
      if (!ctx.routeNames.has(r)) ctx.report([...where, 'routes', j], `no route named "${r}"`);
    }
    const targets: string[] = [];
    for (const [j, t] of (ex.targets ?? []).entries()) {
      try {
        const refs = parseVariableList(t);
        if (refs.length !== 1 || refs[0]!.exclusion || refs[0]!.count) throw new Error('one variable such as ARGS:password');
        targets.push(refs[0]!.written);
      } catch (err) {
        ctx.report([...where, 'targets', j], `"${t}" is not a target: ${(err as Error).message}`);
      }
    }
    const ids = (ex.ruleIds ?? []).map(String);
    const ctls: string[] = [];
    for (const rid of ids) {
      if (targets.length === 0) ctls.push(`ctl:ruleRemoveById=${rid}`);
      for (const t of targets) ctls.push(`ctl:ruleRemoveTargetById=${rid};${t}`);
    }
    for (const tag of ex.tags ?? []) {
      if (/[,;'"\s]/.test(tag)) {
        ctx.report([...where, 'tags'], `tag "${tag}" has characters a ctl action cannot carry (comma, quote, space, ";")`);
        continue;
      }
      if (targets.length === 0) ctls.push(`ctl:ruleRemoveByTag=${tag}`);
      for (const t of targets) ctls.push(`ctl:ruleRemoveTargetByTag=${tag};${t}`);
    }
    if (ctls.length === 0) return;
    // One rule per route (the gateway puts the route's name in TX:PORTCULLIS_ROUTE), chained to
    // a path condition when there is one.
    const routes = ex.routes ?? [undefined];
    for (const route of routes) {
      const conds: string[] = [];
      if (route !== undefined) conds.push(`SecRule TX:PORTCULLIS_ROUTE "@streq ${route}"`);
      if (ex.pathPrefix !== undefined) conds.push(`SecRule REQUEST_FILENAME "@beginsWith ${ex.pathPrefix.replace(/"/g, '')}"`);
      const actions = `id:${++id},phase:1,pass,t:none,nolog,msg:${quote(`exclusion ${i}`)}`;
      if (conds.length === 0) lines.push(`SecAction "${actions},${ctls.join(',')}"`);
      else if (conds.length === 1) lines.push(`${conds[0]} "${actions},${ctls.join(',')}"`);
      else lines.push(`${conds[0]} "${actions},chain"`, `  ${conds[1]} "t:none,${ctls.join(',')}"`);
    }
  });
  return lines.join('\n');
}

export function resolveWaf(config: WafConfig | undefined, ctx: WafResolveContext): WafSettings {
  if (config === undefined) return OFF;
  const mode = config.mode ?? 'block';
  const paranoia = config.paranoia ?? 1;
  if (config.detectionParanoia !== undefined && config.detectionParanoia < paranoia) {
    ctx.report(['waf', 'detectionParanoia'], 'must not be lower than waf.paranoia');
  }
  let crsDir: string | undefined;
  let crsSource = 'none';
  const crs = config.crs ?? 'auto';
  if (crs === 'auto') {
    const found = findCrs({ dataDir: ctx.dataDir });
    if (found) {
      crsDir = found.dir;
      crsSource = `auto: ${found.source}`;
    } else if (mode !== 'off') {
      ctx.warn(['waf', 'crs'], 'no OWASP CRS found (run `portcullis crs install`, or set waf.crs to its directory): only your own rules run');
    }
  } else if (crs !== 'none') {
    const dir = path.resolve(ctx.baseDir, crs);
    const problem = crsProblem(dir);
    if (problem) ctx.report(['waf', 'crs'], `not an OWASP CRS directory: ${problem}`);
    else {
      crsDir = dir;
      crsSource = 'configured';
    }
  }
  const requestBodyLimit = parseSize(config.requestBody?.limit ?? 1024 * 1024);
  if (requestBodyLimit < 1024) ctx.report(['waf', 'requestBody', 'limit'], 'must be at least 1kb');
  const requestBodyOverLimit = config.requestBody?.overLimit ?? 'reject';
  const responseBody = {
    inspect: config.responseBody?.inspect ?? false,
    limit: parseSize(config.responseBody?.limit ?? 512 * 1024),
    types: config.responseBody?.types ?? DEFAULT_RESPONSE_TYPES,
  };
  const engineMode = mode === 'block' ? 'On' : mode === 'detect' ? 'DetectionOnly' : 'Off';
  const sources: WafSource[] = [];
  const internal = (name: string, text: string) => sources.push({ name, text, baseDir: crsDir ?? ctx.baseDir });
  internal(
    'portcullis:engine',
    engineDirectives({
      mode: engineMode,
      requestBodyLimit,
      requestBodyNoFilesLimit: requestBodyLimit,
      requestBodyLimitAction: requestBodyOverLimit === 'reject' ? 'Reject' : 'ProcessPartial',
      responseBodyAccess: responseBody.inspect,
      responseBodyLimit: responseBody.limit,
      responseBodyMimeTypes: responseBody.types,
    }),
  );
  if (crsDir) {
    internal(
      'portcullis:crs-setup',
      crsSetupDirectives({
        crsDir,
        paranoia,
        ...(config.detectionParanoia !== undefined ? { detectionParanoia: config.detectionParanoia } : {}),
        ...(config.anomalyThreshold?.inbound !== undefined ? { inboundThreshold: config.anomalyThreshold.inbound } : {}),
        ...(config.anomalyThreshold?.outbound !== undefined ? { outboundThreshold: config.anomalyThreshold.outbound } : {}),
      }),
    );
  }
  const exclusions = exclusionRules(config.exclusions ?? [], ctx);
  if (exclusions) internal('waf.exclusions', exclusions);
  if (crsDir) internal('portcullis:crs-rules', crsRulesDirective(crsDir));
  for (const [i, f] of (config.ruleFiles ?? []).entries()) {
    const abs = path.resolve(ctx.baseDir, f);
    sources.push({ name: `waf.ruleFiles[${i}]`, text: `Include "${abs.replace(/"/g, '\\"')}"\n`, baseDir: ctx.baseDir });
  }
  if (config.rules !== undefined && config.rules.trim() !== '') {
    sources.push({ name: 'waf.rules', text: config.rules, baseDir: ctx.baseDir });
  }
  const inspectionBudgetMs = parseDuration(config.inspectionBudget ?? 1000);
  if (inspectionBudgetMs < 1) ctx.report(['waf', 'inspectionBudget'], 'must be at least 1ms');
  const onBudgetExceeded = config.onBudgetExceeded ?? 'block';
  const settings: WafSettings = {
    mode,
    crsDir,
    crsSource,
    paranoia,
    detectionParanoia: config.detectionParanoia ?? paranoia,
    requestBodyLimit,
    requestBodyOverLimit,
    responseBody,
    inspectionBudgetMs,
    onBudgetExceeded,
    sources,
  };
  if (mode !== 'off') checkRules(settings, ctx);
  return settings;
}

/** Loads the rules once, so every mistake is reported where it is. */
function checkRules(settings: WafSettings, ctx: WafResolveContext): void {
  try {
    loadRuleSet(settings.sources);
  } catch (err) {
    if (!(err instanceof SecLangErrors)) throw err;
    for (const e of err.errors.slice(0, 50)) {
      const where: ConfigPath = e.file === 'waf.rules' ? ['waf', 'rules'] : e.file.startsWith('waf.ruleFiles') ? ['waf', 'ruleFiles'] : e.file === 'waf.exclusions' ? ['waf', 'exclusions'] : ['waf', 'crs'];
      ctx.report(where, e.message);
    }
  }
}
