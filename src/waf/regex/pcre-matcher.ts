// The hot-path form of a PCRE pattern for the operators: V8's m flag for PCRE's multiline ^ and
// $ (no lookaround, so V8's linear engine can take over a search that backtracks too much, see
// safety-net.ts), made exact by handing V8 the subject with each \r replaced by U+0100 and
// putting \r back into what it returns. Subjects without \r (nearly all) are used as they are.
// The one remaining difference, ^ after a final \n, is settled by line-start-quirk.ts.
import { CR_STAND_IN } from './pcre-emit.js';
import { newRegExp, translatePcre, type PcreOptions, type TranslateOptions } from './pcre.js';
import { hasRequired, requiredBytes, requirementTests, type RequirementTest } from './pcre-required.js';
import { prefilterLiterals } from './pcre-conditional-literals.js';
import { parsePcre } from './pcre-parser.js';
import { WATCHED_FROM, watchedSearch, type SearchOp, type SearchReply } from './search-watchdog.js';

const CR_RE = /\r/g;
const STAND_IN_RE = new RegExp(CR_STAND_IN, 'g');
const LF = 0x0a;

export class PcreMatcher {
  private readonly first: RegExp;
  /** For execAll: flag g (and y when dot-star anchored). */
  private readonly all: RegExp | null;
  /** Exact translations, only for patterns with the final-newline quirk. */
  private readonly exactFirst: RegExp | null;
  private readonly exactAll: RegExp | null;
  private readonly mapsCr: boolean;
  /** Sticky: lastIndex must be reset before each search. */
  private readonly sticky: boolean;
  readonly groupCount: number;
  /** Bytes every match needs (one of each list); a subject without them is not searched. */
  private readonly required: RequirementTest[];
  private literalsFound: readonly string[] | undefined | null = null;

  /** Throws PcreError when the pattern is invalid or unsupported. */
  constructor(
    private readonly pattern: string,
    private readonly options: PcreOptions = {},
  ) {
    const caseless = options.caseless === true;
    const global = options.global === true;
    const t = translatePcre(pattern, { caseless, lineAnchors: 'crMapped' });
    const compile = (o: TranslateOptions): RegExp => {
      const x = translatePcre(pattern, o);
      return newRegExp(pattern, x.source, x.flags);
    };
    this.first = newRegExp(pattern, t.source, t.flags);
    this.sticky = t.flags.includes('y');
    this.mapsCr = t.mapsCr;
    this.groupCount = t.groupCount;
    this.required = requirementTests(t.required);
    this.all = global ? compile({ caseless, lineAnchors: 'crMapped', global }) : null;
    this.exactFirst = t.finalNewlineQuirk ? compile({ caseless }) : null;
    this.exactAll = t.finalNewlineQuirk && global ? compile({ caseless, global }) : null;
  }

  /**
   * Case-folded strings of which every match holds one (pcre-conditional-literals.ts), if known.
   * Worked out when first asked for: only the prefilter asks, and only for the rules of the
   * paranoia level in use (the analysis of a big pattern takes tens of milliseconds).
   */
  get literals(): readonly string[] | undefined {
    if (this.literalsFound === null) {
      const parsed = parsePcre(this.pattern === '' ? '.*' : this.pattern, { caseless: this.options.caseless === true });
      this.literalsFound = prefilterLiterals(parsed, requiredBytes(parsed));
    }
    return this.literalsFound;
  }

  /**
   * The first match, as RegExp.exec gives it (whole match and groups), or null. With a deadline
   * (performance.now()), a long subject is searched where the search can be stopped: throws
   * SearchTimeout past it (search-watchdog.ts).
   */
  exec(value: string, deadline = Infinity): RegExpExecArray | null {
    if (this.required.length > 0 && !hasRequired(value, this.required)) return null;
    if (deadline !== Infinity && value.length >= WATCHED_FROM) {
      const reply = this.watched('exec', value, deadline);
      if (reply !== undefined) {
        if (!reply.match) return null;
        const m = reply.match.groups as unknown as RegExpExecArray;
        m.index = reply.match.index;
        m.input = value;
        return m;
      }
    }
    const subject = this.prepare(value);
    if (this.sticky) this.first.lastIndex = 0;
    const m = this.first.exec(subject);
    if (m === null) return null;
    // Only a match reaching the end can have used a ^ after the final \n; V8 finds no match the
    // exact form would miss otherwise, and the same first one (it only adds ways to succeed).
    if (this.exactFirst !== null && m.index + m[0].length === value.length && value.charCodeAt(value.length - 1) === LF) {
      this.exactFirst.lastIndex = 0;
      return this.exactFirst.exec(value);
    }
    if (subject !== value) restoreCr(m);
    return m;
  }

  /** Whether the pattern matches; a deadline as for exec. */
  test(value: string, deadline = Infinity): boolean {
    if (this.required.length > 0 && !hasRequired(value, this.required)) return false;
    if (deadline !== Infinity && value.length >= WATCHED_FROM) {
      const reply = this.watched('test', value, deadline);
      if (reply !== undefined) return reply.test === true;
    }
    if (this.exactFirst !== null) return this.exec(value) !== null;
    const subject = this.prepare(value);
    if (this.sticky) this.first.lastIndex = 0;
    return this.first.test(subject);
  }

  /**
   * Every match from left to right (needs options.global) until `visit` returns false. After an
   * empty match the search resumes one byte further on, as V8 does; PCRE (libmodsecurity's
   * searchGlobal) would first look for a non-empty match at the same offset.
   */
  execAll(value: string, visit: (m: RegExpExecArray) => boolean): void {
    if (this.all === null) throw new Error('PcreMatcher.execAll needs the global option');
    if (this.required.length > 0 && !hasRequired(value, this.required)) return;
    const exact = this.exactAll !== null && value.charCodeAt(value.length - 1) === LF;
    const re = exact ? this.exactAll : this.all;
    const subject = exact ? value : this.prepare(value);
    re.lastIndex = 0;
    for (;;) {
      const m = re.exec(subject);
      if (m === null) return;
      if (m[0] === '') re.lastIndex = m.index + 1;
      if (subject !== value) restoreCr(m);
      if (!visit(m) || re.lastIndex > subject.length) return;
    }
  }

  /** The worker's answer, or undefined when it could not give one (the search then runs here). */
  private watched(op: SearchOp, subject: string, deadline: number): (SearchReply & { ok: true }) | undefined {
    const reply = watchedSearch({ pattern: this.pattern, options: this.options, op, subject }, deadline);
    return reply.ok ? reply : undefined;
  }

  private prepare(value: string): string {
    return this.mapsCr && value.indexOf('\r') !== -1 ? value.replace(CR_RE, CR_STAND_IN) : value;
  }
}

function restoreCr(m: RegExpExecArray): void {
  for (let i = 0; i < m.length; i++) {
    const g = m[i];
    if (g !== undefined && g.indexOf(CR_STAND_IN) !== -1) m[i] = g.replace(STAND_IN_RE, '\r');
  }
}
