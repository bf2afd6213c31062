// The WAF as a guard: one SecLang transaction per exchange, fed phase by phase as the gateway
// learns the request (head, then the buffered body) and the response (head, then the body when
// it is inspected), and closed with the logging phase. In block mode a disruptive rule ends the
// exchange with the gateway's deny response; in detect mode matches are recorded and the
// request goes on.
import type { WafSettings } from '../../config/settings.js';
import type { Exchange } from '../../gateway/exchange.js';
import { allowVerdict, type Guard, type Verdict } from '../../gateway/guard.js';
import { CODES } from '../../gateway/local-reply.js';
import type { RuleSet } from '../../waf/engine/ruleset.js';
import { Transaction, type Interruption } from '../../waf/engine/transaction.js';

const NAME = 'waf';
const ALLOW = allowVerdict(NAME);

export class WafGuard implements Guard {
  readonly name = NAME;
  readonly bodyLimit: number;
  readonly responseBodyLimit: number;

  constructor(
    private readonly rules: RuleSet,
    private readonly settings: WafSettings,
  ) {
    this.bodyLimit = settings.requestBodyLimit;
    this.responseBodyLimit = settings.responseBody.limit;
  }

  onRequest(ex: Exchange): Verdict {
    const req = ex.req;
    const socket = req.socket;
    const tx = new Transaction(this.rules, {
      id: ex.id,
      remoteAddr: ex.clientIp || ex.peerIp,
      remotePort: socket.remotePort ?? 0,
      serverAddr: socket.localAddress ?? '',
      serverPort: socket.localPort ?? 0,
      budgetMs: this.settings.inspectionBudgetMs,
      onBudgetExceeded: this.settings.onBudgetExceeded === 'block' ? 'deny' : 'pass',
    });
    ex.waf = tx;
    if (ex.route) tx.tx.set('PORTCULLIS_ROUTE', ex.route.name);
    tx.processUri(req.url, req.method, `${req.httpVersionMajor}.${req.httpVersionMinor}`);
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) tx.addRequestHeader(raw[i]!, raw[i + 1]!);
    const it = tx.processRequestHeaders();
    if (it) return this.verdict(tx, it);
    if (ex.bodyLength === 0) {
      // No body: the request-body phase runs now (most CRS rules live there).
      const it2 = tx.processRequestBody();
      return this.verdict(tx, it2);
    }
    return ALLOW;
  }

  wantsBody(ex: Exchange): boolean {
    return ex.waf !== undefined && ex.bodyLength !== 0;
  }

  onRequestBody(ex: Exchange, body: Buffer, truncated: boolean): Verdict {
    const tx = ex.waf;
    if (!tx) return ALLOW;
    if (truncated && this.settings.requestBodyOverLimit === 'reject' && this.settings.mode === 'block') {
      return Object.freeze({ guard: NAME, action: 'block', reason: 'request body over the inspection limit', status: 413, code: 'payload_too_large' });
    }
    const it = tx.appendRequestBody(body) ?? tx.processRequestBody();
    return this.verdict(tx, it);
  }

  onResponseHead(ex: Exchange, status: number, headers: readonly string[]): Verdict | undefined {
    const tx = ex.waf;
    if (!tx) return undefined;
    for (let i = 0; i < headers.length; i += 2) tx.addResponseHeader(headers[i]!, headers[i + 1]!);
    const it = tx.processResponseHeaders(status, 'HTTP/1.1');
    return it ? this.verdict(tx, it) : undefined;
  }

  wantsResponseBody(ex: Exchange): boolean {
    return ex.waf?.wantsResponseBody() ?? false;
  }

  onResponseBody(ex: Exchange, body: Buffer): Verdict | undefined {
    const tx = ex.waf;
    if (!tx) return undefined;
    const it = tx.appendResponseBody(body) ?? tx.processResponseBody();
    return it ? this.verdict(tx, it) : undefined;
  }

  onComplete(ex: Exchange): void {
    ex.waf?.processLogging();
  }

  /** The guard's verdict: a block for an interruption, else allow (naming what was detected). */
  private verdict(tx: Transaction, it: Interruption | undefined): Verdict {
    if (it?.action === 'redirect' && it.url) {
      return { guard: NAME, action: 'block', rule: String(it.ruleId), reason: `rules ${loggedIds(tx)}`, status: it.status, code: 'redirect', headers: ['location', it.url] };
    }
    if (it) {
      const v: Verdict = {
        guard: NAME,
        action: 'block',
        ...(it.ruleId ? { rule: String(it.ruleId) } : {}),
        reason: it.reason ?? `rules ${loggedIds(tx)}`,
        // A rule's own status (deny,status:400 for a body that cannot be parsed) is kept; plain
        // denials get the gateway's deny response.
        ...(it.status !== 403 && it.status >= 400 && it.status <= 599 ? { status: it.status, code: CODES[it.status] ?? 'forbidden' } : {}),
      };
      return v;
    }
    if (tx.matchedRules.length === 0) return ALLOW;
    const ids = loggedIds(tx);
    return ids === '' ? ALLOW : { guard: NAME, action: 'allow', reason: `detected: rules ${ids}` };
  }
}

/** The ids of the rules that matched and log (ModSecurity's `log`), for the access record. */
function loggedIds(tx: Transaction): string {
  let out = '';
  for (const m of tx.matchedRules) if (m.logged) out += out === '' ? String(m.id) : `,${m.id}`;
  return out;
}
