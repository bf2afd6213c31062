// Runs one stage the way the CRS test setup does, in-process: the request bytes go-ftw would send
// → the web server in front (our strict parser, which may refuse or wait) → the WAF (a fresh
// Transaction on the shared rule set, phases 1-2) → the backend (albedo) → the WAF (phases 3-5)
// → the client. The stage is judged on the status the client saw and the error-log lines of the
// logged rules.
import { CODES, jsonError } from '../../gateway/local-reply.js';
import type { RuleSet } from '../engine/ruleset.js';
import { Transaction, type Interruption } from '../engine/transaction.js';
import { albedoBackend, rawResponse, reasonPhrase, type Backend, type BackendRequest, type BackendResponse } from './backend.js';
import { budgetOf, BudgetExceeded, type StageBudget } from './budget.js';
import { transactionLog } from './error-log.js';
import { strictFrontEnd, type FrontEndName } from './front-end.js';
import { idsInLog, judge } from './judge.js';
import { parseLenient, type LenientRequest } from './lenient-parser.js';
import { NO_OVERRIDES, type Overrides } from './overrides.js';
import { buildRequest, RequestBuildError } from './request-builder.js';
import type { FileProblem, LoggedRule, Observation, StageOutput, StageRecord, StageResult } from './types.js';

export const CLIENT_ADDR = '127.0.0.1';
export const CLIENT_PORT = 50000;

export interface StageRunnerOptions {
  /** The server in front of the WAF (default "portcullis": our strict parser). */
  readonly frontEnd?: FrontEndName;
  readonly backend?: Backend;
  readonly overrides?: Overrides;
  /** A stage whose WAF work takes longer fails as "slow" (default 2000 ms). */
  readonly slowMs?: number;
  /** A stage still in the engine after this long is stopped and fails as "timeout" (default 2000 ms). */
  readonly budgetMs?: number;
  /** A stage making more operator calls is stopped and fails as "runaway" (default 250,000). */
  readonly maxOperatorCalls?: number;
  /** Keep log lines and request bytes in results: never, for failures (default), or always. */
  readonly keep?: 'none' | 'failed' | 'all';
}

/** Where the request went, for the judgement and for the classes of a failure. */
type Path =
  | { kind: 'not-built'; reason: string }
  | { kind: 'refused'; status: number; reason: string }
  | { kind: 'waits'; reason: string }
  | { kind: 'waf'; request: LenientRequest };

function gatewayReply(status: number): Observation {
  const body = jsonError(status, CODES[status] ?? 'bad_request', 'none');
  const raw = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
  return { kind: 'response', status, raw };
}

/** Where the strict parser and the lenient reader disagree on an accepted request, if anywhere. */
function disagreement(strict: ReturnType<typeof strictFrontEnd>, lenient: LenientRequest): string | undefined {
  if (strict.kind !== 'accepted') return undefined;
  const h = strict.head;
  if (h.method !== lenient.method) return `method ${JSON.stringify(h.method)} vs ${JSON.stringify(lenient.method)}`;
  if (h.url !== lenient.uri) return `target ${JSON.stringify(h.url)} vs ${JSON.stringify(lenient.uri)}`;
  if (`HTTP/${h.versionMajor}.${h.versionMinor}` !== lenient.versionToken) return `version vs ${JSON.stringify(lenient.versionToken)}`;
  if (h.rawHeaders.length !== lenient.headers.length * 2) return 'header count';
  for (let i = 0; i < lenient.headers.length; i++) {
    const [n, v] = lenient.headers[i]!;
    if (h.rawHeaders[2 * i] !== n || h.rawHeaders[2 * i + 1] !== v) return `header ${i + 1}`;
  }
  if (strict.body.toString('latin1') !== lenient.body) return 'body';
  return undefined;
}

export class StageRunner {
  private readonly frontEnd: FrontEndName;
  private readonly backend: Backend;
  private readonly overrides: Overrides;
  private readonly slowMs: number;
  private readonly budgetMs: number;
  private readonly maxOperatorCalls: number;
  private readonly budget: StageBudget;
  private readonly keep: 'none' | 'failed' | 'all';

  constructor(
    readonly ruleset: RuleSet,
    options: StageRunnerOptions = {},
  ) {
    this.frontEnd = options.frontEnd ?? 'portcullis';
    this.backend = options.backend ?? albedoBackend;
    this.overrides = options.overrides ?? NO_OVERRIDES;
    this.slowMs = options.slowMs ?? 2000;
    this.budgetMs = options.budgetMs ?? 2000;
    this.maxOperatorCalls = options.maxOperatorCalls ?? 250_000;
    this.budget = budgetOf(ruleset);
    this.keep = options.keep ?? 'failed';
  }

  /** Decides where the request bytes go. */
  private route(bytes: Buffer): Path {
    if (this.frontEnd === 'portcullis') {
      const strict = strictFrontEnd(bytes);
      if (strict.kind === 'refused') return { kind: 'refused', status: strict.status, reason: strict.reason };
      if (strict.kind === 'incomplete') return { kind: 'waits', reason: strict.reason };
      const lenient = parseLenient(bytes);
      if (!lenient.ok) return { kind: 'not-built', reason: `front ends disagree: the gateway accepted the request, the lenient reader did not (${lenient.reason})` };
      const d = disagreement(strict, lenient.request);
      if (d !== undefined) return { kind: 'not-built', reason: `front ends disagree on an accepted request: ${d}` };
      return { kind: 'waf', request: lenient.request };
    }
    const lenient = parseLenient(bytes);
    if (lenient.ok) return { kind: 'waf', request: lenient.request };
    if (lenient.incomplete) return { kind: 'waits', reason: lenient.reason };
    return { kind: 'refused', status: 400, reason: lenient.reason };
  }

  /** Runs the WAF and the backend; returns what the client saw and the log. */
  private exchange(req: LenientRequest, port: number): { observed: Observation; log: LoggedRule[]; ms: number } {
    const t0 = performance.now();
    this.budget.start(this.budgetMs, this.maxOperatorCalls);
    try {
      return this.exchangeIn(req, port, t0);
    } finally {
      this.budget.stop();
    }
  }

  private exchangeIn(req: LenientRequest, port: number, t0: number): { observed: Observation; log: LoggedRule[]; ms: number } {
    const tx = new Transaction(this.ruleset, { remoteAddr: CLIENT_ADDR, remotePort: CLIENT_PORT, serverAddr: '127.0.0.1', serverPort: port });
    const version = req.versionToken.startsWith('HTTP/') ? req.versionToken.slice(5) : req.versionToken;
    tx.processUri(req.uri, req.method, version);
    for (const [n, v] of req.headers) tx.addRequestHeader(n, v);
    let stop: Interruption | undefined = tx.processRequestHeaders();
    if (!stop) stop = tx.appendRequestBody(req.body) ?? tx.processRequestBody();
    let response: BackendResponse | undefined;
    if (!stop) {
      const backendReq: BackendRequest = { method: req.method, uri: req.uri, headers: req.headers, body: req.body };
      response = this.backend(backendReq);
      for (const [n, v] of response.headers) tx.addResponseHeader(n, v);
      stop = tx.processResponseHeaders(response.status, 'HTTP/1.1');
      if (!stop && response.body.length > 0) stop = tx.appendResponseBody(response.body);
      if (!stop) stop = tx.processResponseBody();
    }
    tx.processLogging();
    const ms = performance.now() - t0;
    const log = transactionLog(tx, CLIENT_ADDR);
    let observed: Observation;
    if (stop) {
      if (stop.action === 'drop') observed = { kind: 'error', message: `connection dropped by rule ${stop.ruleId}` };
      else {
        const headers: Array<[string, string]> = stop.action === 'redirect' && stop.url ? [['Location', stop.url]] : [];
        observed = { kind: 'response', status: stop.status, raw: rawResponse({ status: stop.status, headers, body: '' }) };
      }
    } else {
      observed = { kind: 'response', status: response!.status, raw: rawResponse(response!) };
    }
    return { observed, log, ms };
  }

  run(record: StageRecord): StageResult {
    const override = this.overrides.find(record);
    const expected: StageOutput = override?.output ?? record.output;
    const reasons: string[] = [];
    const classes: string[] = [];
    let bytes: Buffer | undefined;
    let path: Path;
    try {
      const built = buildRequest(record.input);
      bytes = built.bytes;
      reasons.push(...built.notes);
      path = this.route(bytes);
    } catch (err) {
      path = { kind: 'not-built', reason: err instanceof RequestBuildError ? `request not built: ${err.message}` : `request not built: ${(err as Error).stack ?? String(err)}` };
    }
    if (record.input.followRedirect) reasons.push('follow_redirect is not supported by this runner (the stage was sent as written)');

    let observed: Observation | undefined;
    let log: LoggedRule[] = [];
    let ms = 0;
    let refused: string | undefined;
    switch (path.kind) {
      case 'not-built':
        classes.push('harness');
        reasons.push(path.reason);
        break;
      case 'refused':
        refused = `${path.status} ${path.reason}`;
        observed = gatewayReply(path.status);
        break;
      case 'waits':
        refused = `no answer: ${path.reason}`;
        observed = { kind: 'error', message: path.reason };
        break;
      case 'waf': {
        const t0 = performance.now();
        try {
          ({ observed, log, ms } = this.exchange(path.request, record.input.port ?? 80));
        } catch (err) {
          ms = performance.now() - t0;
          if (err instanceof BudgetExceeded) {
            classes.push(err.kind === 'calls' ? 'runaway' : 'timeout');
            const slow = this.budget.slowestCall;
            reasons.push(`the engine was ${err.message}${slow ? `; its slowest operator call: rule ${slow.ruleId}, ${slow.ms.toFixed(0)} ms` : ''}`);
            break;
          }
          classes.push('engine-exception');
          reasons.push(`the engine threw: ${(err as Error).stack?.split('\n').slice(0, 4).join(' | ') ?? String(err)}`);
        }
        break;
      }
    }

    let missingIds: number[] = [];
    let unexpectedIds: number[] = [];
    if (observed) {
      const j = judge(expected, observed, log);
      missingIds = j.missingIds;
      unexpectedIds = j.unexpectedIds;
      if (!j.pass) {
        reasons.push(...j.reasons);
        if (path.kind === 'refused') classes.push('front-end-refused');
        else if (path.kind === 'waits') classes.push('front-end-waits');
        else classes.push(...j.checks);
      }
    }
    if (ms > this.slowMs && !classes.includes('timeout') && !classes.includes('runaway')) {
      classes.push('slow');
      const slow = this.budget.slowestCall;
      reasons.push(`the WAF took ${ms.toFixed(0)} ms (limit ${this.slowMs} ms)${slow ? `; slowest operator call: rule ${slow.ruleId}, ${slow.ms.toFixed(0)} ms` : ''}`);
    }
    const slowCall = path.kind === 'waf' ? this.budget.slowestCall : undefined;
    const failed = classes.length > 0;
    const verdict = override && !override.output ? 'overridden' : failed ? 'failed' : 'passed';
    const keep = this.keep === 'all' || (this.keep === 'failed' && verdict !== 'passed');
    const got: StageResult['got'] = {
      ...(observed?.kind === 'response' ? { status: observed.status } : {}),
      ...(observed?.kind === 'error' ? { error: observed.message } : {}),
      ids: idsInLog(log),
      ...(refused !== undefined ? { refused } : {}),
    };
    return {
      file: record.file,
      ruleId: record.ruleId,
      testId: record.testId,
      stageIndex: record.stageIndex,
      ...(record.description !== undefined ? { description: record.description } : {}),
      verdict,
      reasons: failed || verdict === 'overridden' ? reasons : [],
      classes: [...new Set(classes)],
      ...(override ? { override: { reason: override.reason, replacedOutput: override.output !== undefined } } : {}),
      expected,
      got,
      missingIds,
      unexpectedIds,
      durationMs: Math.round(ms * 1000) / 1000,
      ...(slowCall ? { slowestCall: { ruleId: slowCall.ruleId, ms: Math.round(slowCall.ms) } } : {}),
      ...(keep ? { log: log.map((l) => l.line) } : {}),
      ...(keep && bytes ? { request: bytes.toString('latin1') } : {}),
    };
  }
}

/** A test file that could not be read, as a failed result. */
export function problemResult(p: FileProblem): StageResult {
  return {
    file: p.file,
    ruleId: p.ruleId,
    testId: 0,
    stageIndex: 0,
    verdict: 'failed',
    reasons: [p.reason],
    classes: ['unreadable-test-file'],
    expected: { log: {} },
    got: { ids: [] },
    missingIds: [],
    unexpectedIds: [],
    durationMs: 0,
  };
}
