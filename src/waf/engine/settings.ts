// Engine-wide settings from directives (SecRuleEngine, body access and limits, ...), with
// ModSecurity v3's defaults where the directive is absent.

export type EngineMode = 'On' | 'Off' | 'DetectionOnly';
export type LimitAction = 'Reject' | 'ProcessPartial';

export interface EngineSettings {
  ruleEngine: EngineMode;
  requestBodyAccess: boolean;
  responseBodyAccess: boolean;
  requestBodyLimit: number;
  requestBodyNoFilesLimit: number;
  requestBodyLimitAction: LimitAction;
  responseBodyLimit: number;
  responseBodyLimitAction: LimitAction;
  responseBodyMimeTypes: Set<string>;
  /** SecArgumentsLimit; 0 = none. */
  argumentsLimit: number;
  requestBodyJsonDepthLimit: number;
  uploadFileLimit: number;
  collectionTimeout: number;
  argumentSeparator: string;
  componentSignatures: string[];
  auditEngine: string;
  auditLogParts: string;
  webAppId: string;
}

export function defaultSettings(): EngineSettings {
  return {
    ruleEngine: 'Off',
    requestBodyAccess: false,
    responseBodyAccess: false,
    requestBodyLimit: 134217728,
    requestBodyNoFilesLimit: 1048576,
    requestBodyLimitAction: 'Reject',
    responseBodyLimit: 524288,
    responseBodyLimitAction: 'Reject',
    responseBodyMimeTypes: new Set(['text/plain', 'text/html']),
    argumentsLimit: 0,
    requestBodyJsonDepthLimit: 10000,
    uploadFileLimit: 100,
    collectionTimeout: 3600,
    argumentSeparator: '&',
    componentSignatures: [],
    auditEngine: 'Off',
    auditLogParts: 'ABCFHZ',
    webAppId: 'default',
  };
}
