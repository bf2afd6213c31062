// What a transaction knows: the request and response as ModSecurity's variables see them, the
// TX collection, persistent collections, and what rules matched so far. Variables read it; the
// transaction (transaction.ts) fills it phase by phase. All strings are byte strings.
import type { Entry } from '../variables/variable.js';
import type { MultipartFlags, XmlDocument } from '../bodies/body.js';
import type { PersistentCollection } from './persistence.js';
import type { Rule } from './rule.js';

/** A mutable collection with case-insensitive keys and one value per key (TX, IP, GLOBAL...). */
export class KeyedCollection {
  private readonly map = new Map<string, Entry>();
  private cached: Entry[] | undefined;

  get size(): number {
    return this.map.size;
  }

  get(key: string): string | undefined {
    return this.map.get(key.toLowerCase())?.value;
  }

  getEntry(lowerKey: string): Entry | undefined {
    return this.map.get(lowerKey);
  }

  set(key: string, value: string): void {
    const lower = key.toLowerCase();
    const old = this.map.get(lower);
    this.map.set(lower, { key: old ? old.key : key, value });
    this.cached = undefined;
  }

  delete(key: string): void {
    if (this.map.delete(key.toLowerCase())) this.cached = undefined;
  }

  /** Whether every member's (lower-case) name is in `allowed`. */
  onlyKeysIn(allowed: ReadonlySet<string>): boolean {
    for (const k of this.map.keys()) if (!allowed.has(k)) return false;
    return true;
  }

  entries(): readonly Entry[] {
    return (this.cached ??= [...this.map.values()]);
  }

  clear(): void {
    this.map.clear();
    this.cached = undefined;
  }
}

export class TransactionState {
  // Connection
  remoteAddr = '';
  remotePort = 0;
  serverAddr = '';
  serverPort = 0;

  // Request line
  method = '';
  /** The request target exactly as received. */
  uriRaw = '';
  /** "HTTP/1.1" */
  protocol = '';
  requestLine = '';
  requestUri = '';
  requestFilename = '';
  requestBasename: string | undefined = undefined;
  queryString: string | undefined = undefined;

  // Request headers and what is derived from them
  readonly requestHeaders: Entry[] = [];
  readonly requestCookies: Entry[] = [];
  serverName: string | undefined = undefined;
  authType: string | undefined = undefined;

  // Arguments (ARGS = GET then POST, in order)
  readonly args: Entry[] = [];
  readonly argsGet: Entry[] = [];
  readonly argsPost: Entry[] = [];
  argsCombinedSize = 0;
  /** Incremented whenever args change, so derived lists are rebuilt. */
  argsVersion = 0;
  urlEncodedError = false;

  // Request body
  reqbodyProcessor: string | undefined = undefined;
  reqbodyError: string | undefined = undefined;
  reqbodyErrorMsg: string | undefined = undefined;
  reqbodyProcessorError: string | undefined = undefined;
  reqbodyProcessorErrorMsg: string | undefined = undefined;
  inboundDataError: string | undefined = undefined;
  requestBody: string | undefined = undefined;
  fullRequest: string | undefined = undefined;
  readonly files: Entry[] = [];
  readonly filesNames: Entry[] = [];
  readonly filesSizes: Entry[] = [];
  filesCombinedSize: number | undefined = undefined;
  readonly multipartPartHeaders: Entry[] = [];
  multipart: MultipartFlags | undefined = undefined;
  multipartFilename: string | undefined = undefined;
  multipartName: string | undefined = undefined;
  xml: XmlDocument | undefined = undefined;

  // Response
  responseStatus: string | undefined = undefined;
  responseProtocol: string | undefined = undefined;
  readonly responseHeaders: Entry[] = [];
  responseContentType: string | undefined = undefined;
  responseBody: string | undefined = undefined;
  responseContentLength: string | undefined = undefined;
  outboundDataError: string | undefined = undefined;

  // Collections and identity
  readonly tx = new KeyedCollection();
  readonly env = new KeyedCollection();
  readonly persistent = new Map<string, PersistentCollection>();
  userId: string | undefined = undefined;
  sessionId: string | undefined = undefined;
  webAppId: string | undefined = undefined;

  // Matching state
  matchedVar: string | undefined = undefined;
  matchedVarName: string | undefined = undefined;
  /** MATCHED_VARS: key = the full variable name ("ARGS:id"), value = the matched value. */
  readonly matchedVars: Entry[] = [];
  /** The rule being evaluated (RULE.*). */
  currentRule: Rule | undefined = undefined;
  highestSeverity = 255;

  // Caches of derived lists
  private derived = new Map<string, { version: number; entries: Entry[] }>();

  constructor(
    readonly id: string,
    /** Wall clock at the start (ms since the epoch), for TIME*. */
    readonly startTime: number,
    /** Monotonic start (ms), for DURATION. */
    readonly startMono: number,
  ) {}

  /** A list derived from args (ARGS_NAMES...), rebuilt only when args changed. */
  derivedFromArgs(name: string, build: () => Entry[]): Entry[] {
    const c = this.derived.get(name);
    if (c && c.version === this.argsVersion) return c.entries;
    const entries = build();
    this.derived.set(name, { version: this.argsVersion, entries });
    return entries;
  }
}
