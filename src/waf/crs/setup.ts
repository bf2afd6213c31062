// The directives around the OWASP CRS: the engine settings ModSecurity's recommended
// configuration gives (body access and limits, the JSON/XML body processor switch, the body
// error rule), then the CRS's own crs-setup.conf.example, then our settings for it (paranoia,
// thresholds), then the rules. The CRS files are read where they are, never copied.
import fs from 'node:fs';
import path from 'node:path';
// Debian keeps the CRS's crs-setup.conf apart from the rules.
import { DEBIAN_CRS_SETUP } from './locate.js';

export interface CrsSetupOptions {
  /** The CRS directory (with rules/ and crs-setup.conf.example). */
  readonly crsDir: string;
  readonly mode: 'On' | 'DetectionOnly' | 'Off';
  /** Blocking paranoia level 1-4. */
  readonly paranoia: number;
  /** Detection paranoia level (≥ paranoia; rules above the blocking level only add to scores). */
  readonly detectionParanoia?: number;
  readonly inboundThreshold?: number;
  readonly outboundThreshold?: number;
  readonly requestBodyLimit?: number;
  readonly requestBodyNoFilesLimit?: number;
  readonly responseBodyAccess?: boolean;
  readonly responseBodyLimit?: number;
  readonly responseBodyMimeTypes?: readonly string[];
  /** Directives placed after crs-setup and before the rules (exclusions "before CRS"). */
  readonly beforeRules?: string;
  /** Directives placed after the rules (exclusions "after CRS", virtual patches). */
  readonly afterRules?: string;
}

/** Checks that `dir` looks like a CRS directory; returns a reason when it does not. */
export function crsProblem(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return `${dir} does not exist`;
  if (!fs.existsSync(path.join(dir, 'rules'))) return `${dir} has no rules/ directory`;
  if (!fs.existsSync(crsSetupFile(dir))) {
    return `${dir} has no crs-setup.conf(.example)`;
  }
  return undefined;
}

export function crsSetupFile(dir: string): string {
  const own = path.join(dir, 'crs-setup.conf');
  if (fs.existsSync(own)) return own;
  const example = path.join(dir, 'crs-setup.conf.example');
  if (fs.existsSync(example) || !fs.existsSync(DEBIAN_CRS_SETUP)) return example;
  return DEBIAN_CRS_SETUP;
}

const quote = (p: string) => `"${p.replace(/"/g, '\\"')}"`;

/** The engine settings ModSecurity's recommended configuration gives, without the CRS. */
export function engineDirectives(o: {
  readonly mode: 'On' | 'DetectionOnly' | 'Off';
  readonly requestBodyLimit?: number;
  readonly requestBodyNoFilesLimit?: number;
  readonly requestBodyLimitAction?: 'Reject' | 'ProcessPartial';
  readonly responseBodyAccess?: boolean;
  readonly responseBodyLimit?: number;
  readonly responseBodyMimeTypes?: readonly string[];
}): string {
  const mimeTypes = (o.responseBodyMimeTypes ?? ['text/plain', 'text/html', 'text/xml']).join(' ');
  return [
    `SecRuleEngine ${o.mode}`,
    'SecRequestBodyAccess On',
    `SecRequestBodyLimit ${o.requestBodyLimit ?? 13107200}`,
    `SecRequestBodyNoFilesLimit ${o.requestBodyNoFilesLimit ?? 131072}`,
    `SecRequestBodyLimitAction ${o.requestBodyLimitAction ?? 'Reject'}`,
    'SecRequestBodyJsonDepthLimit 512',
    'SecArgumentsLimit 1000',
    `SecRule REQUEST_HEADERS:Content-Type "^(?:application(?:/soap\\+|/)|text/)xml" "id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"`,
    `SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"`,
    `SecRule REQBODY_ERROR "!@eq 0" "id:200002,phase:2,t:none,log,deny,status:400,msg:'Failed to parse request body.',logdata:'%{reqbody_error_msg}',severity:2"`,
    `SecResponseBodyAccess ${o.responseBodyAccess === false ? 'Off' : 'On'}`,
    `SecResponseBodyMimeType ${mimeTypes}`,
    `SecResponseBodyLimit ${o.responseBodyLimit ?? 524288}`,
    'SecResponseBodyLimitAction ProcessPartial',
    '',
  ].join('\n');
}

/** crs-setup and our settings for it (paranoia, thresholds), without the rules. */
export function crsSetupDirectives(o: Pick<CrsSetupOptions, 'crsDir' | 'paranoia' | 'detectionParanoia' | 'inboundThreshold' | 'outboundThreshold'>): string {
  const pl = Math.min(4, Math.max(1, Math.round(o.paranoia)));
  const dpl = Math.min(4, Math.max(pl, Math.round(o.detectionParanoia ?? pl)));
  const setvars = [
    `setvar:tx.blocking_paranoia_level=${pl}`,
    `setvar:tx.detection_paranoia_level=${dpl}`,
    ...(o.inboundThreshold !== undefined ? [`setvar:tx.inbound_anomaly_score_threshold=${o.inboundThreshold}`] : []),
    ...(o.outboundThreshold !== undefined ? [`setvar:tx.outbound_anomaly_score_threshold=${o.outboundThreshold}`] : []),
  ];
  return [`Include ${quote(crsSetupFile(o.crsDir))}`, `SecAction "id:900000,phase:1,pass,t:none,nolog,${setvars.join(',')}"`, ''].join('\n');
}

export function crsRulesDirective(crsDir: string): string {
  return `Include ${quote(path.join(crsDir, 'rules', '*.conf'))}\n`;
}

/** The whole configuration text; Include paths are absolute, so the text can live anywhere. */
export function crsDirectives(o: CrsSetupOptions): string {
  return [
    engineDirectives({
      mode: o.mode,
      ...(o.requestBodyLimit !== undefined ? { requestBodyLimit: o.requestBodyLimit } : {}),
      ...(o.requestBodyNoFilesLimit !== undefined ? { requestBodyNoFilesLimit: o.requestBodyNoFilesLimit } : {}),
      ...(o.responseBodyAccess !== undefined ? { responseBodyAccess: o.responseBodyAccess } : {}),
      ...(o.responseBodyLimit !== undefined ? { responseBodyLimit: o.responseBodyLimit } : {}),
      ...(o.responseBodyMimeTypes !== undefined ? { responseBodyMimeTypes: o.responseBodyMimeTypes } : {}),
    }),
    crsSetupDirectives(o),
    o.beforeRules ?? '',
    crsRulesDirective(o.crsDir),
    o.afterRules ?? '',
    '',
  ].join('\n');
}

/**
 * The setup the CRS regression suite expects (tests/regression/README.md): DetectionOnly,
 * blocking paranoia 4, and the test limits.
 */
export const REGRESSION_SETUP = `SecAction "id:900005,phase:1,nolog,pass,ctl:ruleEngine=DetectionOnly,ctl:ruleRemoveById=910000,setvar:tx.blocking_paranoia_level=4,setvar:tx.crs_validate_utf8_encoding=1,setvar:tx.arg_name_length=100,setvar:tx.arg_length=400,setvar:tx.total_arg_length=64000,setvar:tx.max_num_args=255,setvar:tx.max_file_size=64100,setvar:tx.combined_file_sizes=65535"`;
