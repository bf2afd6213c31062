// One request/response pair through the rule set, phase by phase, with ModSecurity v3's order
// and semantics:
//
//   processConnection → processUri → addRequestHeader* → processRequestHeaders (phase 1)
//   → appendRequestBody* → processRequestBody (phase 2)
//   → addResponseHeader* → processResponseHeaders (phase 3)
//   → appendResponseBody* → processResponseBody (phase 4) → processLogging (phase 5)
//
// Each process* returns the interruption once a disruptive rule decided (SecRuleEngine On); after
// that, later phases do nothing but logging. Every matched rule is recorded with its message and
// the variables it matched, also in DetectionOnly mode.
import { parseRequestBody, parseUrlEncoded, urlEncodedError } from '../bodies/index.js';
import type { BodyProcessorName } from '../bodies/body.js';
import type { OperatorRunContext } from '../operators/operator.js';
import { hexValue } from '../transformations/byte-classes.js';
import type { Selector, VariableRef } from '../seclang/variable-list.js';
import type { KeyPattern } from '../regex/key-pattern.js';
import { getVariable, type Entry } from '../variables/index.js';
import type { CollectionVariable } from '../variables/variable.js';
import { MacroCache, type MacroScope } from './macro.js';
import { ChainCache, type ChainNode, type ChainRow } from './transform-chain.js';
import { SearchTimeout } from '../regex/search-watchdog.js';
import { PrefilterCache } from './prefilter/rule-prefilter.js';
import { PersistentCollection } from './persistence.js';
import { selects, xpathExpression, type Rule, type RuleSelector, type Target } from './rule.js';
import type { RuleSet } from './ruleset.js';
import type { EngineMode } from './settings.js';
import { KeyedCollection, TransactionState } from './transaction-state.js';

export interface Interruption {
  /** The rule that decided (0 for a body limit). */
  readonly ruleId: number;
  readonly action: 'deny' | 'drop' | 'redirect';
  readonly status: number;
  readonly url?: string;
  readonly phase: number;
  /** Why, when it was not a rule (a body over its limit). */
  readonly reason?: string;
}

export interface MatchedVariable {
  /** The full name, e.g. "ARGS:id" or "REQUEST_HEADERS:User-Agent". */
  readonly name: string;
  /** The value the operator matched (after transformations). */
  readonly value: string;
}

export interface MatchedRule {
  readonly id: number;
  readonly phase: number;
  readonly message: string;
  readonly data: string;
  readonly severity: number | undefined;
  readonly tags: readonly string[];
  readonly ver: string | undefined;
  readonly matched: readonly MatchedVariable[];
  /** Whether the rule ended the transaction (deny, drop, redirect). */
  readonly disruptive: boolean;
  /** Whether ModSecurity would write it to its log (log/nolog). */
  readonly logged: boolean;
  readonly file: string;
  readonly line: number;
}

export interface TransactionOptions {
  readonly id?: string;
  readonly remoteAddr?: string;
  readonly remotePort?: number;
  readonly serverAddr?: string;
  readonly serverPort?: number;
  /**
   * Inspection time this transaction may spend in rules, all phases together (ms). Past it the
   * remaining rules are skipped and `budgetExceeded` is set; with `onBudgetExceeded: 'deny'`
   * (and SecRuleEngine On) the transaction is interrupted, so no request gets through
   * uninspected because it was made slow to inspect.
   */
  readonly budgetMs?: number;
  readonly onBudgetExceeded?: 'deny' | 'pass';
}

type AllowType = 'none' | 'phase' | 'request' | 'all';

/** A target named by ctl:ruleRemoveTarget*, parsed when the rule set loads. */
export interface RemovedTarget {
  readonly ref: VariableRef;
  readonly fullName: string;
  readonly keyRegex: KeyPattern | undefined;
}

interface TargetRemoval extends RemovedTarget, RuleSelector {}

const NO_REMOVALS: TargetRemoval[] = [];
/**
 * Compiled macros of operator parameters and tags, shared by all transactions: their texts come
 * from the rules (never from a request), so the set is small, and compiling them once per
 * request showed in the gateway's profile.
 */
const SHARED_MACROS = new MacroCache(2048);
const NO_ENTRIES: readonly Entry[] = [];
const PERSISTENT_NAMES = new Set(['IP', 'GLOBAL', 'SESSION', 'USER', 'RESOURCE']);
let transactionCounter = 0;
const idPrefix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

export class Transaction extends TransactionState implements MacroScope, OperatorRunContext {
  /** The decision, once a rule (or a limit) interrupted. */
  interruption: Interruption | undefined = undefined;
  /** The rules that matched and log (or interrupted, logging or not), in match order. */
  readonly matchedRules: MatchedRule[] = [];

  private mode: EngineMode;
  private requestBodyAccess: boolean;
  private responseBodyAccess: boolean;
  private forceRequestBodyVariable = false;
  auditEngine: string;
  auditLogParts: string;

  private requestChunks: string[] = [];
  private requestBodySize = 0;
  private responseChunks: string[] = [];
  private responseBodySize = 0;
  private responseBodyInspectable: boolean | undefined = undefined;

  private allowType: AllowType = 'none';
  private skipNext = 0;
  private skipMarker: string | undefined = undefined;
  private removedRanges: Array<readonly [number, number]> = [];
  private removedTags: string[] = [];
  private removedMsgs: string[] = [];
  private targetRemovals: TargetRemoval[] = [];
  private phasesDone = 0;
  private readonly budgetMs: number;
  private readonly budgetAction: 'deny' | 'pass';
  /** Milliseconds spent evaluating rules so far. */
  inspectionMs = 0;
  budgetExceeded = false;

  /** OperatorRunContext: captures of the current operator call. */
  capturing = false;
  readonly captures: string[] = [];
  /** OperatorRunContext: the end of the inspection budget in this phase (Infinity: none). */
  searchDeadline = Infinity;
  private readonly macros = SHARED_MACROS;
  /** Matched variables of the chain being evaluated. */
  private chainMatches: MatchedVariable[] = [];
  /** Transformation results of this transaction, shared by rules with the same chain steps. */
  private readonly transformed: ChainCache;
  /** Literal masks of this transaction's values (absent when the rule set has no prefilter). */
  private readonly prefilter: PrefilterCache | undefined;

  constructor(
    readonly ruleset: RuleSet,
    options: TransactionOptions = {},
  ) {
    super(options.id ?? `${idPrefix}${(++transactionCounter).toString(36)}`, Date.now(), performance.now());
    const s = ruleset.settings;
    this.mode = s.ruleEngine;
    this.requestBodyAccess = s.requestBodyAccess;
    this.responseBodyAccess = s.responseBodyAccess;
    this.auditEngine = s.auditEngine;
    this.auditLogParts = s.auditLogParts;
    this.webAppId = s.webAppId;
    this.remoteAddr = options.remoteAddr ?? '127.0.0.1';
    this.remotePort = options.remotePort ?? 0;
    this.serverAddr = options.serverAddr ?? '127.0.0.1';
    this.serverPort = options.serverPort ?? 0;
    this.transformed = new ChainCache(ruleset.chains.nodes.length, undefined, ruleset.prefilters?.effects, ruleset.values);
    this.prefilter = ruleset.prefilters ? new PrefilterCache(ruleset.prefilters, this.transformed) : undefined;
    this.budgetMs = options.budgetMs ?? Infinity;
    this.budgetAction = options.onBudgetExceeded ?? 'deny';
  }

  get engineMode(): EngineMode {
    return this.mode;
  }

  // ---------------------------------------------------------------------------------------------
  // Feeding the request

  /** The request line: target exactly as received, method, and version ("1.1"). */
  processUri(uri: string, method: string, version: string): void {
    this.method = method;
    this.uriRaw = uri;
    this.protocol = `HTTP/${version}`;
    this.requestLine = `${method} ${uri} HTTP/${version}`;
    // The fragment is kept only in the raw URI and the request line.
    const hash = uri.indexOf('#');
    const target = hash === -1 ? uri : uri.slice(0, hash);
    const q = target.indexOf('?');
    const pathRaw = q === -1 ? target : target.slice(0, q);
    const path = uriDecode(pathRaw);
    this.requestFilename = path;
    const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
    this.requestBasename = slash !== -1 && path.length > slash + 1 ? path.slice(slash + 1) : undefined;
    let decoded = uriDecode(target);
    // An absolute-form target loses its scheme and authority in REQUEST_URI.
    if (decoded !== '' && decoded[0] !== '/') {
      const colon = decoded.indexOf(':');
      if (colon !== -1 && decoded.startsWith('//', colon + 1)) {
        const p = decoded.indexOf('/', colon + 3);
        if (p !== -1) decoded = decoded.slice(p);
      }
    }
    this.requestUri = decoded;
    if (q !== -1) {
      this.queryString = target.slice(q + 1);
      if (this.queryString !== '') this.addArguments('GET', this.queryString);
    }
  }

  addRequestHeader(name: string, value: string): void {
    this.requestHeaders.push({ key: name, value });
    const lower = name.toLowerCase();
    switch (lower) {
      case 'authorization': {
        const sp = value.indexOf(' ');
        this.authType = sp === -1 ? value : value.slice(0, sp);
        break;
      }
      case 'cookie':
        this.addCookies(value);
        break;
      case 'content-type': {
        const l = value.toLowerCase();
        if (l.startsWith('multipart/form-data')) this.reqbodyProcessor = 'MULTIPART';
        else if (l.startsWith('application/x-www-form-urlencoded')) this.reqbodyProcessor = 'URLENCODED';
        break;
      }
      case 'host': {
        const c = value.indexOf(':');
        this.serverName = c === -1 ? value : value.slice(0, c);
        break;
      }
    }
  }

  /** Cookie header parsing as ModSecurity v3 does it (v2-compatible key trimming). */
  private addCookies(header: string): void {
    const parts = header.split(';');
    if (parts.length > 0) parts[parts.length - 1] = parts[parts.length - 1]!.replace(/[ \t\n\v\f\r]+$/, '');
    for (const c of parts) {
      if (c === '') continue;
      const eq = c.indexOf('=');
      let key = eq === -1 ? c : c.slice(0, eq);
      const value = eq === -1 ? '' : c.slice(eq + 1);
      key = key.replace(/^[ \t\n\v\f\r]+/, '');
      if (key === '') continue;
      this.requestCookies.push({ key, value });
    }
  }

  private addArguments(origin: 'GET' | 'POST', text: string): void {
    if (urlEncodedError(text, this.ruleset.settings.argumentSeparator)) this.urlEncodedError = true;
    for (const [key, value] of parseUrlEncoded(text, this.ruleset.settings.argumentSeparator)) {
      if (!this.addArgument(origin, key, value)) break;
    }
  }

  private addArgument(origin: 'GET' | 'POST', key: string, value: string): boolean {
    const limit = this.ruleset.settings.argumentsLimit;
    if (limit > 0 && this.args.length >= limit) return false;
    const e: Entry = { key, value };
    this.args.push(e);
    (origin === 'GET' ? this.argsGet : this.argsPost).push(e);
    this.argsCombinedSize += key.length + value.length;
    this.argsVersion++;
    return true;
  }

  /** Phase 1. */
  processRequestHeaders(): Interruption | undefined {
    return this.runPhase(1);
  }

  /** Appends request body bytes (a byte string or a Buffer); enforces SecRequestBodyLimit. */
  appendRequestBody(chunk: string | Buffer): Interruption | undefined {
    if (this.interruption) return this.interruption;
    const s = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const limit = this.ruleset.settings.requestBodyLimit;
    if (limit > 0 && this.requestBodySize + s.length > limit) {
      this.inboundDataError = '1';
      if (this.ruleset.settings.requestBodyLimitAction === 'ProcessPartial') {
        const room = limit - this.requestBodySize;
        if (room > 0) {
          this.requestChunks.push(s.slice(0, room));
          this.requestBodySize += room;
        }
        return undefined;
      }
      if (this.mode === 'On') {
        this.interruption = { ruleId: 0, action: 'deny', status: 413, phase: 2, reason: 'request body over the limit' };
      }
      return this.interruption;
    }
    this.requestChunks.push(s);
    this.requestBodySize += s.length;
    return undefined;
  }

  /** Phase 2: runs the body processor, then the rules. */
  processRequestBody(): Interruption | undefined {
    if (this.interruption || this.mode === 'Off') return this.interruption;
    const body = this.requestChunks.length === 1 ? this.requestChunks[0]! : this.requestChunks.join('');
    this.requestChunks = [body];
    if (this.inboundDataError === undefined) this.inboundDataError = '0';
    this.processBody(body);
    if (!this.requestBodyAccess) {
      // ModSecurity v3 evaluates no phase 2 rules without body access.
      this.phasesDone = 2;
      this.releaseCaches();
      return undefined;
    }
    let full = '';
    for (const h of this.requestHeaders) full += `${h.key}: ${h.value}\n`;
    this.fullRequest = `${full}\n\n${body}`;
    // REQUEST_BODY as the CRS's tests have it: the raw body of urlencoded and JSON requests, and
    // of any request once ctl:forceRequestBodyVariable asked for it (the CRS does so for bodies
    // no processor reads) — not of XML and multipart ones, which their processors lay out.
    // libmodsecurity v3 always sets it, so the CRS's Java rules then match XML element names as
    // if they were data (its own override list says so); v2 sets it for urlencoded only, so JSON
    // keys holding arrays escape the rules that look for them in the body.
    const processor = this.reqbodyProcessor;
    if (body.length > 0 && (processor === 'URLENCODED' || processor === 'JSON' || this.forceRequestBodyVariable)) this.requestBody = body;
    const it = this.runPhase(2);
    this.releaseCaches();
    return it;
  }

  /**
   * Once the request is inspected, the transformation results and masks of its values are let
   * go: the transaction lives on while the upstream answers, and a big body's caches (megabytes
   * for a 20 KB JSON body) would be copied by every young-generation collection meanwhile. The
   * response phases start afresh, as their values are new.
   */
  private releaseCaches(): void {
    this.rowsByEntries = new WeakMap();
    this.transformed.clear();
    this.prefilter?.clear();
  }

  private processBody(body: string): void {
    const processor = this.reqbodyProcessor;
    const s = this.ruleset.settings;
    const setError = (msg: string | undefined) => {
      if (msg === undefined) {
        this.reqbodyError = '0';
        this.reqbodyProcessorError = '0';
      } else {
        this.reqbodyError = '1';
        this.reqbodyProcessorError = '1';
        this.reqbodyErrorMsg = msg;
        this.reqbodyProcessorErrorMsg = msg;
      }
    };
    if (processor === undefined) {
      setError(undefined);
      return;
    }
    if (processor !== 'MULTIPART' && body.length > s.requestBodyNoFilesLimit) {
      this.reqbodyError = '1';
      this.reqbodyErrorMsg = 'Request body excluding files is bigger than the maximum expected.';
      this.inboundDataError = '1';
      return;
    }
    if (body.length === 0 && processor !== 'MULTIPART') {
      setError(undefined);
      return;
    }
    // SecArgumentsLimit counts the query's arguments too.
    const maxArgs = s.argumentsLimit > 0 ? Math.max(0, s.argumentsLimit - this.args.length) : 1_000_000;
    const limits = { maxArgs, jsonDepth: s.requestBodyJsonDepthLimit, maxFiles: s.uploadFileLimit };
    const contentType = this.requestHeaders.find((h) => h.key.toLowerCase() === 'content-type')?.value ?? '';
    const parsed = parseRequestBody(processor as BodyProcessorName, body, contentType, limits);
    for (const [k, v] of parsed.args) if (!this.addArgument('POST', k, v)) break;
    if (processor === 'MULTIPART') {
      let combined = 0;
      for (const f of parsed.files) {
        this.files.push({ key: f.field, value: f.filename });
        this.filesNames.push({ key: f.field, value: f.field });
        this.filesSizes.push({ key: f.field, value: String(f.size) });
        combined += f.size;
      }
      this.filesCombinedSize = combined;
      for (const [k, v] of parsed.partHeaders) this.multipartPartHeaders.push({ key: k, value: v });
      this.multipart = parsed.multipart;
      const lastFile = parsed.files[parsed.files.length - 1];
      if (lastFile) this.multipartFilename = lastFile.filename;
      const lastName = parsed.args[parsed.args.length - 1]?.[0] ?? lastFile?.field;
      if (lastName !== undefined) this.multipartName = lastName;
    }
    if (parsed.xml) this.xml = parsed.xml;
    setError(parsed.error);
  }

  // ---------------------------------------------------------------------------------------------
  // Feeding the response

  addResponseHeader(name: string, value: string): void {
    this.responseHeaders.push({ key: name, value });
    if (name.toLowerCase() === 'content-type') {
      const semi = value.indexOf(';');
      this.responseContentType = (semi === -1 ? value : value.slice(0, semi)).trim();
    }
  }

  /** Phase 3. `protocol` is e.g. "HTTP/1.1". */
  processResponseHeaders(status: number, protocol: string): Interruption | undefined {
    if (this.interruption) return this.interruption;
    this.responseStatus = String(status);
    this.responseProtocol = protocol;
    return this.runPhase(3);
  }

  /** Whether the response body will be inspected (body access on, and a listed content type). */
  wantsResponseBody(): boolean {
    if (!this.responseBodyAccess || this.mode === 'Off') return false;
    if (this.responseBodyInspectable === undefined) {
      const types = this.ruleset.settings.responseBodyMimeTypes;
      this.responseBodyInspectable = types.size === 0 || types.has((this.responseContentType ?? '').toLowerCase());
    }
    return this.responseBodyInspectable;
  }

  appendResponseBody(chunk: string | Buffer): Interruption | undefined {
    if (this.interruption || !this.wantsResponseBody()) return this.interruption;
    const s = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const limit = this.ruleset.settings.responseBodyLimit;
    if (limit > 0 && this.responseBodySize + s.length > limit) {
      this.outboundDataError = '1';
      if (this.ruleset.settings.responseBodyLimitAction === 'ProcessPartial') {
        const room = limit - this.responseBodySize;
        if (room > 0) {
          this.responseChunks.push(s.slice(0, room));
          this.responseBodySize += room;
        }
        return undefined;
      }
      if (this.mode === 'On') {
        this.interruption = { ruleId: 0, action: 'deny', status: 500, phase: 4, reason: 'response body over the limit' };
      }
      return this.interruption;
    }
    this.responseChunks.push(s);
    this.responseBodySize += s.length;
    return undefined;
  }

  /** Phase 4. */
  processResponseBody(): Interruption | undefined {
    if (this.interruption || !this.wantsResponseBody()) return this.interruption;
    if (this.outboundDataError === undefined) this.outboundDataError = '0';
    const body = this.responseChunks.join('');
    this.responseBody = body;
    this.responseContentLength = String(body.length);
    return this.runPhase(4);
  }

  /** Phase 5, then persistent collections are written back. */
  processLogging(): void {
    if (this.phasesDone >= 5) return;
    const saved = this.interruption;
    // Logging rules run even after an interruption; they cannot interrupt again.
    this.interruption = undefined;
    this.runPhase(5);
    this.interruption = saved;
    this.phasesDone = 5;
    const now = Date.now();
    for (const c of this.persistent.values()) {
      this.ruleset.store.save(c.collection, c.key, c.toRecord(), this.ruleset.settings.collectionTimeout, now);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Rule evaluation

  private runPhase(phase: number): Interruption | undefined {
    if (this.interruption) return this.interruption;
    this.phasesDone = Math.max(this.phasesDone, phase);
    if (this.mode === 'Off') return undefined;
    if (this.allowType === 'all' && phase !== 5) return undefined;
    if (this.allowType === 'request' && phase <= 2) return undefined;
    this.allowType = 'none';
    if (this.budgetExceeded) return this.interruption;
    // The folded program (constant-folding.ts), when this transaction may use it: decided when
    // the first phase to run is phase 1, from what the host put in TX before it.
    const folded = this.ruleset.folded;
    if (this.folding === undefined) this.folding = folded !== undefined && phase === 1 && this.tx.onlyKeysIn(folded.hostKeys);
    let rules: readonly Rule[] = this.ruleset.phases[phase]!;
    if (this.folding && folded !== undefined) {
      rules = folded.phases[phase]!;
      for (const [key, value] of folded.deltas[phase]!) {
        if (value === undefined) this.tx.delete(key);
        else this.tx.set(key, value);
      }
    }
    this.prefilter?.newPhase();
    if (this.keyIndexes.size > 0) this.keyIndexes.clear();
    this.rowsByEntries = new WeakMap();
    const started = performance.now();
    const deadline = started + (this.budgetMs - this.inspectionMs);
    // The clock is read every 8 rules for ordinary requests, and after every rule once the
    // request is large (a rule can then take tens of milliseconds by itself).
    const mask = this.uriRaw.length + this.requestBodySize + this.responseBodySize > 8192 ? 0 : 7;
    // A search over a long value stops at the deadline too (regex/search-watchdog.ts).
    this.searchDeadline = this.budgetMs === Infinity ? Infinity : deadline;
    try {
      for (let i = 0; i < rules.length; i++) {
        if ((i & mask) === mask && performance.now() > deadline) {
          this.exceedBudget(phase);
          break;
        }
        const rule = rules[i]!;
        if (this.skipMarker !== undefined) {
          if (rule.marker === this.skipMarker) this.skipMarker = undefined;
          continue;
        }
        if (rule.marker !== undefined) continue;
        if (this.skipNext > 0) {
          this.skipNext--;
          continue;
        }
        if (this.allowType !== 'none') continue;
        if (this.isRemoved(rule)) continue;
        if (this.chainMatches.length > 0) this.chainMatches = [];
        this.evaluate(rule);
        this.currentRule = undefined;
        if (this.interruption) break;
      }
    } catch (err) {
      if (!(err instanceof SearchTimeout)) throw err;
      // The rule being evaluated was cut short: inspection stops as at any budget overrun.
      this.currentRule = undefined;
      this.exceedBudget(phase);
    }
    this.inspectionMs += performance.now() - started;
    if (!this.budgetExceeded && this.inspectionMs > this.budgetMs) this.exceedBudget(phase);
    return this.interruption;
  }

  /** Whether this transaction runs the folded program; undefined until its first phase. */
  private folding: boolean | undefined = undefined;

  /**
   * Constant folding (constant-folding.ts) evaluates a rule with constant inputs on a scratch
   * transaction: whether it left nothing but TX members and flow behind, and where it skips.
   */
  evaluateConstant(rule: Rule): { readonly clean: boolean; readonly skipAfter: string | undefined; readonly skip: number } {
    const records = this.matchedRules.length;
    const severity = this.highestSeverity;
    this.evaluate(rule);
    this.currentRule = undefined;
    const clean = this.matchedRules.length === records && this.interruption === undefined && this.highestSeverity === severity && this.allowType === 'none';
    const out = { clean, skipAfter: this.skipMarker, skip: this.skipNext };
    this.skipMarker = undefined;
    this.skipNext = 0;
    return out;
  }

  private exceedBudget(phase: number): void {
    this.budgetExceeded = true;
    if (this.budgetAction === 'deny' && this.mode === 'On' && !this.interruption && phase < 5) {
      this.interruption = { ruleId: 0, action: 'deny', status: 403, phase, reason: 'inspection time budget exceeded' };
    }
  }

  private isRemoved(rule: Rule): boolean {
    for (const [a, b] of this.removedRanges) if (rule.id >= a && rule.id <= b) return true;
    for (const t of this.removedTags) if (rule.tags.includes(t)) return true;
    if (this.removedMsgs.length > 0 && rule.msg && this.removedMsgs.includes(rule.msg.text)) return true;
    return false;
  }

  /** Evaluates a rule and, when it matched, its chain; true when the whole chain matched. */
  private evaluate(rule: Rule): boolean {
    this.currentRule = rule;
    const matched = this.matchesOwn(rule);
    if (this.interruption) return false;
    if (!matched) {
      this.matchedVar = undefined;
      this.matchedVarName = undefined;
      if (this.matchedVars.length > 0) this.matchedVars.length = 0;
      return false;
    }
    if (rule.chained) {
      const child = rule.chainChild;
      if (!child || !this.evaluate(child)) return false;
      this.currentRule = rule;
    }
    this.afterFullMatch(rule);
    return true;
  }

  /** Whether the rule itself (not its chain) matched: its targets tested, its setvars run per match. */
  private matchesOwn(rule: Rule): boolean {
    if (rule.unconditional) {
      for (const a of rule.setvars) a.run(this, rule);
      return true;
    }
    // No value of any target holds a literal the operator needs (prefilter/rule-prefilter.ts).
    if (rule.prefilter?.slots !== undefined && !this.prefilter!.ruleMayMatch(this, rule.prefilter)) return false;
    // What evaluateTarget would do for this one target, without the general path's steps.
    if (rule.txMember !== undefined && this.targetRemovals.length === 0) return this.testTxMember(rule, rule.txMember);
    let matched = false;
    for (const target of rule.targets) {
      if (this.targetRemoved(rule, target, undefined)) continue;
      if (this.evaluateTarget(rule, target)) matched = true;
      if (this.interruption) return false;
    }
    return matched;
  }

  /**
   * Constant folding: whether the head of a chained rule with constant inputs and no setvar
   * matches, its chain left alone (a head that never matches makes the whole rule dead).
   */
  constantHeadMatches(rule: Rule): boolean {
    this.currentRule = rule;
    const matched = this.matchesOwn(rule);
    this.currentRule = undefined;
    this.matchedVar = undefined;
    this.matchedVarName = undefined;
    this.matchedVars.length = 0;
    this.chainMatches = [];
    return matched;
  }

  /** A rule whose only target is one TX member (Rule.txMember), as evaluateTarget tests it. */
  private testTxMember(rule: Rule, m: NonNullable<Rule['txMember']>): boolean {
    this.capturing = rule.capture;
    const e = this.tx.getEntry(m.lowerKey);
    if (m.count) return this.tryOnce(rule, rule.operator!, m.fullName, undefined, e === undefined ? '0' : '1');
    return e !== undefined && this.tryOnce(rule, rule.operator!, 'TX', e.key, e.value);
  }

  /** Runs the operator over every value of one target; true when any matched. */
  private evaluateTarget(rule: Rule, target: Target): boolean {
    const v = target.variable;
    const ref = target.ref;
    if (v.kind === 'scalar') {
      // ModSecurity v3's scalar ("anchored") variables always exist: unset, they are "".
      const value = v.get(this) ?? '';
      if (ref.count) return this.test(rule, target.fullName, undefined, '1');
      if (this.excluded(rule, v.name, undefined)) return false;
      return this.test(rule, v.name, undefined, value);
    }
    let entries: readonly Entry[];
    if (v.kind === 'xpath') {
      entries = v.select(this, xpathExpression(target));
    } else {
      entries = this.select(v, target);
    }
    if (ref.count) return this.test(rule, target.fullName, undefined, String(entries.length));
    let any = false;
    const xpath = v.kind === 'xpath';
    const excludes = rule.exclusions.length > 0;
    // The chain rows of a stable collection's values, by position (see rowsOf).
    const node = rule.chainNode;
    const rows = !xpath && v.stable === true && node !== undefined && node.depth > 0 ? this.rowsOf(entries) : undefined;
    // A value whose mask lacks the rule's bit cannot match, and for a rule that is not negated
    // it leaves nothing behind: it is passed over before any other step (on a 20 KB JSON body,
    // half of some 12,000 rule-and-value steps).
    const p = !xpath && !rule.negated && !rule.multiMatch ? rule.prefilter : undefined;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const row = rows === undefined ? undefined : (rows[i] ??= this.transformed.row(e.value));
      if (p !== undefined && !this.prefilter!.mayMatchAt(p, node!, e.value, row)) continue;
      if (excludes && !xpath && this.excluded(rule, v.name, e.key)) continue;
      if (this.targetRemovals.length > 0 && this.targetRemoved(rule, target, e.key)) continue;
      // The name ("ARGS:id") is only built for a match.
      if (xpath ? this.test(rule, target.fullName, undefined, e.value) : this.test(rule, v.name, e.key, e.value, row)) any = true;
    }
    return any;
  }

  /**
   * The chain rows of the members of an array of entries, by position, for this phase: every
   * rule that reads ARGS finds its values' rows without a lookup of each value (a stable
   * variable's array stays the same object, unchanged, through a phase).
   */
  private rowsOf(entries: readonly Entry[]): Array<ChainRow | undefined> {
    let rows = this.rowsByEntries.get(entries);
    if (rows === undefined) {
      rows = new Array<ChainRow | undefined>(entries.length);
      this.rowsByEntries.set(entries, rows);
    }
    return rows;
  }

  private rowsByEntries = new WeakMap<readonly Entry[], Array<ChainRow | undefined>>();

  private select(v: CollectionVariable, target: Target): readonly Entry[] {
    const sel = target.ref.selector;
    if (sel === undefined) return v.entries(this);
    if (sel.kind === 'key') {
      if (v.lookup) return v.lookup(this, sel.lower);
      if (v.stable) return this.keyIndex(v).get(sel.lower) ?? NO_ENTRIES;
      const all = v.entries(this);
      const out: Entry[] = [];
      for (let i = 0; i < all.length; i++) if (all[i]!.key.toLowerCase() === sel.lower) out.push(all[i]!);
      return out;
    }
    if (sel.kind === 'regex' && target.keyRegex) {
      const re = target.keyRegex;
      const all = v.entries(this);
      const out: Entry[] = [];
      for (let i = 0; i < all.length; i++) if (re.test(all[i]!.key)) out.push(all[i]!);
      return out;
    }
    return [];
  }

  /** Members of a stable collection by lowercased key, built once per phase (see select). */
  private keyIndex(v: CollectionVariable): Map<string, Entry[]> {
    let index = this.keyIndexes.get(v);
    if (index === undefined) {
      index = new Map();
      for (const e of v.entries(this)) {
        const lower = e.key.toLowerCase();
        const list = index.get(lower);
        if (list) list.push(e);
        else index.set(lower, [e]);
      }
      this.keyIndexes.set(v, index);
    }
    return index;
  }

  private keyIndexes = new Map<CollectionVariable, Map<string, Entry[]>>();

  private excluded(rule: Rule, variable: string, key: string | undefined): boolean {
    const ex = rule.exclusions;
    for (let i = 0; i < ex.length; i++) {
      const t = ex[i]!;
      if (t.variable.name === variable && covers(t.ref.selector, t.keyRegex, key)) return true;
    }
    return false;
  }

  /** The target removals that apply to this rule, worked out once per rule evaluated. */
  private removalsFor(rule: Rule): TargetRemoval[] {
    if (this.targetRemovals.length === 0) return NO_REMOVALS;
    if (this.removalsRule === rule && this.removalsVersion === this.targetRemovals.length) return this.removalsCache;
    const head = rule.chainHead;
    // Most rules are concerned by none: no list is made for them.
    let out = NO_REMOVALS;
    for (const r of this.targetRemovals) {
      if (!selects(r, head)) continue;
      if (out === NO_REMOVALS) out = [];
      out.push(r);
    }
    this.removalsRule = rule;
    this.removalsVersion = this.targetRemovals.length;
    this.removalsCache = out;
    return out;
  }

  private removalsRule: Rule | undefined = undefined;
  private removalsVersion = 0;
  private removalsCache: TargetRemoval[] = NO_REMOVALS;

  /** Targets taken out by ctl:ruleRemoveTarget*: the whole target, or one member. */
  private targetRemoved(rule: Rule, target: Target, key: string | undefined): boolean {
    const removals = this.removalsFor(rule);
    if (removals.length === 0) return false;
    for (const r of removals) {
      if (r.ref.name === target.variable.name && covers(r.ref.selector, r.keyRegex, key)) return true;
    }
    return false;
  }

  /**
   * Transforms one value and runs the operator; on a match records it and runs setvars. The
   * variable's name is `name`, or `name:key` for a collection member.
   */
  private test(rule: Rule, name: string, key: string | undefined, value: string, row?: ChainRow): boolean {
    const op = rule.operator!;
    this.capturing = rule.capture;
    if (rule.multiMatch) return this.testEachStep(rule, op, name, key, value, row);
    const node = rule.chainNode;
    if (node) {
      const p = rule.prefilter;
      const excluded = p !== undefined && !this.prefilter!.mayMatchAt(p, node, value, row);
      if (!excluded && rule.memo >= 0) {
        const r = row ?? this.transformed.row(value);
        if (r !== undefined) return this.tryRemembered(rule, op, name, key, r, node, value);
      }
      // The output is only needed to run the operator, or to record a negated rule's match.
      const out = excluded && !rule.negated ? value : row !== undefined ? this.transformed.outputAt(row, node, value) : this.transformed.apply(node, value);
      return excluded ? this.ruledOut(rule, name, key, out) : this.tryOnce(rule, op, name, key, out);
    }
    let current = value;
    for (const t of rule.transformations) current = t.transform(current);
    return this.tryChecked(rule, op, name, key, current);
  }

  /**
   * multiMatch: the value itself, then the output of every transformation that changed it, as
   * ModSecurity does. Through the value's chain row (the usual case), the outputs and their
   * prefilter masks are the ones the rule-level check and other rules with the same steps
   * already worked out, and steps its bytes cannot set off are not run; without one (the cache
   * is full) each step is run on the output before it.
   */
  private testEachStep(rule: Rule, op: NonNullable<Rule['operator']>, name: string, key: string | undefined, value: string, given: ChainRow | undefined): boolean {
    const steps = rule.transformations;
    const memo = rule.memo;
    const row = steps.length === 0 && memo < 0 ? undefined : given ?? this.transformed.row(value);
    // A (non-negated) multiMatch rule with a pure operator: a value none of whose steps matched
    // before leaves nothing behind and is passed over (engine/value-memory.ts).
    if (memo >= 0 && row !== undefined && missed(row, memo)) return false;
    const path = row === undefined ? undefined : rule.chainNode?.path;
    const p = rule.prefilter;
    let any = this.tryChecked(rule, op, name, key, value);
    let current = value;
    for (let j = 0; j < steps.length; j++) {
      const node = path?.[j];
      const next = node !== undefined ? this.transformed.outputAt(row!, node, value) : steps[j]!.transform(current);
      if (next === current) continue;
      current = next;
      let hit: boolean;
      if (node === undefined) hit = this.tryChecked(rule, op, name, key, next);
      else if (p !== undefined && !this.prefilter!.mayMatchAt(p, node, value, row)) hit = this.ruledOut(rule, name, key, next);
      else hit = this.tryOnce(rule, op, name, key, next);
      if (hit) any = true;
    }
    if (!any && memo >= 0 && row !== undefined) rememberMiss(row, memo, this.ruleset.memoWords);
    return any;
  }

  private tryOnce(rule: Rule, op: NonNullable<Rule['operator']>, name: string, key: string | undefined, value: string): boolean {
    if (this.captures.length > 0) this.captures.length = 0;
    const hit = op.evaluate(this, value) !== rule.negated;
    return hit && this.recordMatch(rule, memberName(name, key), value);
  }

  /**
   * As tryOnce for a rule with a pure operator (Rule.memo), through the value's row: a value the
   * operator did not match before (in this transaction or, for short values, an earlier one:
   * value-memory.ts) is not tested again, and one it does not match now is remembered.
   */
  private tryRemembered(rule: Rule, op: NonNullable<Rule['operator']>, name: string, key: string | undefined, row: ChainRow, node: ChainNode, value: string): boolean {
    const out = this.transformed.outputAt(row, node, value);
    if (missed(row, rule.memo)) return this.ruledOut(rule, name, key, out);
    if (this.captures.length > 0) this.captures.length = 0;
    if (op.evaluate(this, out)) return !rule.negated && this.recordMatch(rule, memberName(name, key), out);
    rememberMiss(row, rule.memo, this.ruleset.memoWords);
    return rule.negated && this.recordMatch(rule, memberName(name, key), out);
  }

  /** As tryOnce, the prefilter asked first (prefilter/rule-prefilter.ts). */
  private tryChecked(rule: Rule, op: NonNullable<Rule['operator']>, name: string, key: string | undefined, value: string): boolean {
    const p = rule.prefilter;
    if (p !== undefined && !this.prefilter!.valueMayMatch(p, value)) return this.ruledOut(rule, name, key, value);
    return this.tryOnce(rule, op, name, key, value);
  }

  /** The prefilter ruled the (transformed) value out: the operator would not match, so only a negated rule does. */
  private ruledOut(rule: Rule, name: string, key: string | undefined, value: string): boolean {
    if (this.captures.length > 0) this.captures.length = 0;
    return rule.negated && this.recordMatch(rule, memberName(name, key), value);
  }

  private recordMatch(rule: Rule, name: string, value: string): boolean {
    if (rule.capture && this.captures.length > 0) {
      for (let i = 0; i < this.captures.length && i < 10; i++) this.tx.set(String(i), this.captures[i]!);
    }
    this.matchedVar = value;
    this.matchedVarName = name;
    this.matchedVars.push({ key: name, value });
    this.chainMatches.push({ name, value });
    for (const a of rule.setvars) a.run(this, rule);
    return true;
  }

  /** What happens once a rule (and the rest of its chain) matched. */
  private afterFullMatch(rule: Rule): void {
    for (const a of rule.afterMatch) a.run(this, rule);
    if (rule.skip > 0) this.skipNext = rule.skip;
    if (rule.skipAfter !== undefined) this.skipMarker = rule.skipAfter;
    if (rule.chainParent) return;

    const defaults = this.ruleset.defaults[rule.phase]!;
    for (const a of defaults.afterMatch) a.run(this, rule);
    let logged = rule.log;
    for (let c = rule.chainChild; logged === undefined && c; c = c.chainChild) logged = c.log;
    logged ??= defaults.log ?? true;
    const kind = rule.disruptive === 'block' ? defaults.disruptive : rule.disruptive ?? 'pass';
    let disruptive = false;
    if (this.mode === 'On') {
      switch (kind) {
        case 'deny':
          this.interruption = { ruleId: rule.id, action: 'deny', status: rule.status ?? defaults.status ?? 403, phase: rule.phase };
          disruptive = true;
          break;
        case 'drop':
          this.interruption = { ruleId: rule.id, action: 'drop', status: rule.status ?? defaults.status ?? 403, phase: rule.phase };
          disruptive = true;
          break;
        case 'redirect': {
          const url = (rule.disruptive === 'redirect' ? rule.redirectUrl : defaults.redirectUrl)?.expand(this) ?? '';
          const st = rule.status ?? defaults.status;
          const status = st === 301 || st === 302 || st === 303 || st === 307 ? st : 302;
          this.interruption = { ruleId: rule.id, action: 'redirect', status, url, phase: rule.phase };
          disruptive = true;
          break;
        }
        case 'allow':
          this.allowType = rule.disruptive === 'allow' ? rule.allowScope : 'all';
          break;
        default:
          break;
      }
    }
    if (rule.severity !== undefined && rule.severity < this.highestSeverity) this.highestSeverity = rule.severity;
    // A rule that neither logs nor interrupted leaves no record: nothing reads one (the CRS's
    // nolog bookkeeping rules match dozens of times per request, and each record expands the
    // rule's message and tags).
    if (!logged && !disruptive) {
      this.chainMatches.length = 0; // not handed to a record: reused
      return;
    }
    this.matchedRules.push({
      id: rule.id,
      phase: rule.phase,
      message: rule.msg?.expand(this) ?? '',
      data: rule.logdata?.expand(this) ?? '',
      severity: rule.severity,
      tags: rule.tags.length > 0 ? rule.tags.map((t) => (t.includes('%{') ? this.macros.get(t).expand(this) : t)) : [],
      ver: rule.ver,
      matched: this.chainMatches,
      disruptive,
      logged,
      file: rule.file,
      line: rule.line,
    });
    this.chainMatches = [];
  }

  // ---------------------------------------------------------------------------------------------
  // MacroScope and OperatorRunContext

  resolveFirst(variable: string, key: string | undefined): string | undefined {
    const def = getVariable(variable);
    if (!def) return undefined;
    if (def.kind === 'scalar') return def.get(this);
    if (def.kind === 'xpath') return def.select(this, key ?? '/*')[0]?.value;
    if (key === undefined) return def.entries(this)[0]?.value;
    const lower = key.toLowerCase();
    if (def.lookup) return def.lookup(this, lower)[0]?.value;
    for (const e of def.entries(this)) if (e.key.toLowerCase() === lower) return e.value;
    return undefined;
  }

  expand(text: string): string {
    return this.macros.get(text).expand(this);
  }

  // ---------------------------------------------------------------------------------------------
  // What actions change (setvar, ctl, initcol, ...)

  writableCollection(name: string): KeyedCollection | undefined {
    if (name === 'TX') return this.tx;
    return this.persistent.get(name)?.data;
  }

  initCollection(name: string, key: string): void {
    if (!PERSISTENT_NAMES.has(name) || this.persistent.has(name)) return;
    const now = Date.now();
    const record = this.ruleset.store.load(name, key, now);
    const c = PersistentCollection.fromRecord(name, key, record, now);
    if (!record) {
      c.data.set('CREATE_TIME', String(Math.floor(now / 1000)));
      c.data.set('IS_NEW', '1');
    } else {
      c.data.set('IS_NEW', '0');
    }
    c.data.set('TIMEOUT', String(this.ruleset.settings.collectionTimeout));
    c.data.set('KEY', key);
    this.persistent.set(name, c);
  }

  expireVariable(collection: string, key: string, seconds: number): void {
    const c = this.persistent.get(collection);
    if (!c || key === '') return;
    c.expires.set(key.toLowerCase(), Date.now() + seconds * 1000);
  }

  setIdentity(collection: 'USER' | 'SESSION' | 'RESOURCE', key: string): void {
    if (collection === 'USER') this.userId = key;
    else if (collection === 'SESSION') this.sessionId = key;
    this.initCollection(collection, key);
  }

  setEngineMode(mode: EngineMode): void {
    this.mode = mode;
  }

  removeRules(ranges: ReadonlyArray<readonly [number, number]>): void {
    this.removedRanges.push(...ranges);
  }

  removeRulesByTag(tag: string): void {
    this.removedTags.push(tag);
  }

  removeRulesByMsg(msg: string): void {
    this.removedMsgs.push(msg);
  }

  removeTargetById(ranges: ReadonlyArray<readonly [number, number]>, target: RemovedTarget): void {
    this.targetRemovals.push({ byId: ranges, ...target });
  }

  removeTargetByTag(tag: string, target: RemovedTarget): void {
    this.targetRemovals.push({ byTag: tag, ...target });
  }

  removeTargetByMsg(msg: string, target: RemovedTarget): void {
    this.targetRemovals.push({ byMsg: msg, ...target });
  }

  setRequestBodyProcessor(name: string): void {
    // REQBODY_PROCESSOR shows the choice at once (the CRS's phase 1 rules read it).
    this.reqbodyProcessor = name;
  }

  setRequestBodyAccess(on: boolean): void {
    this.requestBodyAccess = on;
  }

  setResponseBodyAccess(on: boolean): void {
    this.responseBodyAccess = on;
    this.responseBodyInspectable = undefined;
  }

  setForceRequestBodyVariable(on: boolean): void {
    this.forceRequestBodyVariable = on;
  }

  setAuditEngine(value: string): void {
    this.auditEngine = value;
  }

  setAuditLogParts(value: string): void {
    if (value.startsWith('+')) {
      for (const c of value.slice(1)) if (!this.auditLogParts.includes(c)) this.auditLogParts += c;
    } else if (value.startsWith('-')) {
      for (const c of value.slice(1)) this.auditLogParts = this.auditLogParts.replace(c, '');
    } else {
      this.auditLogParts = value;
    }
  }
}

/** Whether the value of this row is remembered as one the rule with this Rule.memo bit did not match. */
function missed(row: ChainRow, memo: number): boolean {
  return row.misses !== undefined && (row.misses[memo >>> 5]! & (1 << (memo & 31))) !== 0;
}

/** Remembers that the rule with this Rule.memo bit did not match the row's value. */
function rememberMiss(row: ChainRow, memo: number, words: number): void {
  (row.misses ??= new Int32Array(words))[memo >>> 5]! |= 1 << (memo & 31);
}

/** A variable's full name: "ARGS:id" for a member, the bare name otherwise. */
function memberName(name: string, key: string | undefined): string {
  return key === undefined ? name : `${name}:${key}`;
}

/**
 * Whether an exclusion or a removed target covers a value: one without a selector covers the
 * whole variable; with one, only the members whose key it names (or its regex matches).
 * `key` is undefined for the variable as a whole (a scalar, or the check before its members).
 */
function covers(sel: Selector | undefined, keyRegex: KeyPattern | undefined, key: string | undefined): boolean {
  if (sel === undefined) return true;
  if (key === undefined) return false;
  if (sel.kind === 'key') return sel.lower === key.toLowerCase();
  return sel.kind === 'regex' && keyRegex !== undefined && keyRegex.test(key);
}

// -----------------------------------------------------------------------------------------------
// Decoding as ModSecurity's utils do it

/** utils::uri_decode: %XX only (no '+'), invalid escapes kept. */
export function uriDecode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    if (s.charCodeAt(i) === 0x25 && i + 2 < n) {
      const a = hexValue(s.charCodeAt(i + 1));
      const b = hexValue(s.charCodeAt(i + 2));
      if (a >= 0 && b >= 0) {
        out += String.fromCharCode(a * 16 + b);
        i += 3;
        continue;
      }
    }
    out += s[i];
    i++;
  }
  return out;
}
