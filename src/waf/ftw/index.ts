// The CRS regression-suite runner (go-ftw's behaviour, in-process). See README-level notes in
// each module: request-builder (go-ftw's bytes), front-end (the server before the WAF),
// lenient-parser, backend (albedo), error-log (ModSecurity's log lines), judge, overrides.
export { albedoBackend, detectContentType, type Backend, type BackendRequest, type BackendResponse } from './backend.js';
export { errorLogLines, transactionLog } from './error-log.js';
export { strictFrontEnd, type FrontEndName } from './front-end.js';
export { compileGoRegex, GoRegexError } from './go-regex.js';
export { executeTemplate, TemplateError } from './go-template.js';
export { runSuiteIsolated, type IsolatedSuiteOptions } from './isolated.js';
export { idsInLog, judge, type Judgement } from './judge.js';
export { parseLenient, type LenientRequest } from './lenient-parser.js';
export { findTestFiles, loadTests, parseTestFile } from './load-tests.js';
export { defaultOverridesFile, loadOverrides, parseOverrides, type Overrides, type TestOverride } from './overrides.js';
export { formatReport } from './report.js';
export { buildRequest, canonicalHeaderKey, encodeFormData, RequestBuildError } from './request-builder.js';
export { StageRunner, type StageRunnerOptions } from './runner.js';
export {
  crsTestsDir,
  defaultCrsDir,
  HOW_TO_GET_CRS,
  loadRegressionRuleSet,
  runSuite,
  slowest,
  suiteProblem,
  type SuiteOptions,
  type SuiteReport,
} from './suite.js';
export type * from './types.js';
