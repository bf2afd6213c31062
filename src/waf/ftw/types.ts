// The shapes of the CRS regression suite (the go-ftw YAML test format, github.com/coreruleset/
// ftw-tests-schema) as this runner reads them, and of the results it reports.
//
// Optional scalars are `undefined` when absent (the schema's nil pointers), so that defaults are
// applied exactly where go-ftw applies them (method GET, uri "/", version HTTP/1.1, port 80).

export interface HeaderTuple {
  readonly name: string;
  readonly value: string;
}

/** The response a stage asks the backend (albedo) to send; go-ftw sends it as a /reflect body. */
export interface ResponseSpec {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly encodedBody?: string;
}

export interface StageInput {
  readonly destAddr?: string;
  readonly port?: number;
  readonly protocol?: string;
  readonly method?: string;
  readonly uri?: string;
  readonly version?: string;
  /** `headers:` (a map; go-ftw sends it sorted by name). */
  readonly headers?: readonly HeaderTuple[];
  /** `ordered_headers:` (sent as listed; wins over `headers`). */
  readonly orderedHeaders?: readonly HeaderTuple[];
  /** `data:` as written (may hold Go template actions). */
  readonly data?: string;
  /** `encoded_data:` (base64 body, sent verbatim). */
  readonly encodedData?: string;
  /** `encoded_request:` (base64 of the whole raw request). */
  readonly encodedRequest?: string;
  /** `raw_request:` (legacy ftw: the whole raw request as text). */
  readonly rawRequest?: string;
  /** After `autocomplete_headers` / `stop_magic` (default true). */
  readonly autocompleteHeaders: boolean;
  readonly followRedirect?: boolean;
  readonly response?: ResponseSpec;
}

export interface LogExpectations {
  readonly expectIds?: readonly number[];
  readonly noExpectIds?: readonly number[];
  readonly matchRegex?: string;
  readonly noMatchRegex?: string;
}

export interface StageOutput {
  /** Expected status; a list (legacy form) means any of them. */
  readonly status?: readonly number[];
  readonly responseContains?: string;
  readonly log: LogExpectations;
  readonly expectError?: boolean;
  readonly isolated?: boolean;
}

/** One stage of one test of one file: the unit this runner judges. */
export interface StageRecord {
  /** The test file, relative to the tests directory. */
  readonly file: string;
  readonly ruleId: number;
  readonly testId: number;
  /** 0-based, as go-ftw's stage_ids in overrides. */
  readonly stageIndex: number;
  readonly stageCount: number;
  readonly description?: string;
  readonly input: StageInput;
  readonly output: StageOutput;
}

/** A test file that could not be read; reported as a failure of its own. */
export interface FileProblem {
  readonly file: string;
  readonly ruleId: number;
  readonly reason: string;
}

/** What the client saw: a response, or an error (no response: the server waits or closes). */
export type Observation =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** The response as the client received it (status line, headers, body), a byte string. */
      readonly raw: string;
    }
  | { readonly kind: 'error'; readonly message: string };

/** A matched rule as ModSecurity's error log would show it. */
export interface LoggedRule {
  readonly id: number;
  readonly phase: number;
  readonly line: string;
}

export type Verdict = 'passed' | 'failed' | 'overridden';

export interface StageResult {
  readonly file: string;
  readonly ruleId: number;
  readonly testId: number;
  readonly stageIndex: number;
  readonly description?: string;
  readonly verdict: Verdict;
  /** Why it failed (empty when passed). */
  readonly reasons: readonly string[];
  /** The failure classes (see judge.ts), for grouping. */
  readonly classes: readonly string[];
  /** The override that applied, if any. */
  readonly override?: { readonly reason: string; readonly replacedOutput: boolean };
  readonly expected: StageOutput;
  readonly got: {
    readonly status?: number;
    readonly error?: string;
    /** Logged rule ids, sorted, unique. */
    readonly ids: readonly number[];
    /** Set when the front end refused the request (the WAF never saw it). */
    readonly refused?: string;
  };
  readonly missingIds: readonly number[];
  readonly unexpectedIds: readonly number[];
  /** Time spent in the WAF for this stage (all phases), ms. */
  readonly durationMs: number;
  /** The stage's slowest operator call, when one took 50 ms or more. */
  readonly slowestCall?: { readonly ruleId: number; readonly ms: number };
  /** The log lines, kept only when asked for (verbose / json). */
  readonly log?: readonly string[];
  /** The request bytes as sent (latin1), kept only when asked for. */
  readonly request?: string;
}

export interface SuiteSummary {
  readonly passed: number;
  readonly failed: number;
  /** Overridden without a replacement output: not judged. */
  readonly overridden: number;
  /** Passed against an override's replacement output (included in `passed`). */
  readonly passedWithOverride: number;
  readonly total: number;
  readonly files: number;
  readonly loadMs: number;
  readonly runMs: number;
}
