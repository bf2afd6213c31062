// Builds a RuleSet from SecLang sources: files (with Include/IncludeOptional and globs) and
// inline text. Every problem names the file and line; the whole input is checked and all the
// errors reported together, and a rule set with errors is never returned.
import fs from 'node:fs';
import path from 'node:path';
import { getOperatorFactory } from '../operators/registry.js';
import '../engine/builtin-operators.js';
import type { OperatorCompileContext } from '../operators/operator.js';
import { enableRegexSafetyNet } from '../regex/pcre.js';
import { selectorPattern } from '../regex/key-pattern.js';
import { getVariable } from '../variables/index.js';
import { getAction } from '../engine/actions/index.js';
import { MemoryStore, type PersistentStore } from '../engine/persistence.js';
import { PASS_DEFAULTS, Rule, type DefaultActions, type Target } from '../engine/rule.js';
import { PHASES, RuleSet } from '../engine/ruleset.js';
import { defaultSettings, type EngineSettings, type LimitAction } from '../engine/settings.js';
import { parseIdRanges } from '../engine/actions/ctl.js';
import { parseActionList } from './action-list.js';
import { SecLangError, SecLangErrors } from './errors.js';
import { readDirectives, type Directive } from './lexer.js';
import { parseVariableList, type VariableRef } from './variable-list.js';
import { expandGlob } from './glob.js';
import { buildPrefilters } from '../engine/prefilter/rule-prefilter.js';
import { foldConstants } from '../engine/constant-folding.js';

export type RuleSource = { readonly file: string } | { readonly text: string; readonly name: string; readonly baseDir?: string };

export interface LoadOptions {
  readonly store?: PersistentStore;
  /** Upper bound on Include depth (loops are errors too). */
  readonly maxIncludeDepth?: number;
  /**
   * The rule prefilter (engine/prefilter/): on by default. It never changes a verdict; off is
   * for comparing verdicts and costs with and without it.
   */
  readonly prefilter?: boolean;
  /** The CRS paranoia level, when known: see PrefilterOptions. */
  readonly paranoia?: number;
  /**
   * Remembering, per value, what transformations gave and which pure operators did not match
   * (engine/value-memory.ts): on by default. Like the prefilter it never changes a verdict;
   * off is for comparing verdicts and costs.
   */
  readonly valueMemory?: boolean;
  /**
   * Constant folding (engine/constant-folding.ts): on by default; never changes a verdict, off
   * for comparing.
   */
  readonly constantFolding?: boolean;
  /** TX members the host sets before phase 1 (the gateway's PORTCULLIS_ROUTE): folding treats them as unknown. */
  readonly hostTxKeys?: readonly string[];
}

/** Loads rule sources in order into one rule set; throws SecLangErrors listing every problem. */
export function loadRuleSet(sources: readonly RuleSource[], options: LoadOptions = {}): RuleSet {
  // Before any rule regex is compiled: V8 switches to its linear engine on runaway backtracking.
  enableRegexSafetyNet();
  const builder = new RuleSetBuilder(options.store ?? new MemoryStore(), options.maxIncludeDepth ?? 16);
  for (const s of sources) {
    if ('file' in s) builder.includeFile(path.resolve(s.file), undefined, false);
    else builder.addText(s.text, s.name, s.baseDir ?? process.cwd());
  }
  const set = builder.finish(options.valueMemory !== false);
  if (options.prefilter !== false) set.prefilters = buildPrefilters(set.rules(), set.chains, options.paranoia !== undefined ? { paranoia: options.paranoia } : {});
  if (options.constantFolding !== false) set.folded = foldConstants(set, options.hostTxKeys);
  return set;
}

type Handler = (b: RuleSetBuilder, d: Directive) => void;

function expectArgs(d: Directive, min: number, max: number): void {
  if (d.args.length < min || d.args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new Error(`${d.name} takes ${want} argument${max === 1 ? '' : 's'}, got ${d.args.length}`);
  }
}

function onOff(d: Directive): boolean {
  expectArgs(d, 1, 1);
  const v = d.args[0]!.toLowerCase();
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new Error(`${d.name} must be On or Off, not "${d.args[0]}"`);
}

function integer(d: Directive): number {
  expectArgs(d, 1, 1);
  if (!/^[0-9]+$/.test(d.args[0]!)) throw new Error(`${d.name} needs a whole number, not "${d.args[0]}"`);
  return Number(d.args[0]);
}

function limitAction(d: Directive): LimitAction {
  expectArgs(d, 1, 1);
  const v = d.args[0]!.toLowerCase();
  if (v === 'reject') return 'Reject';
  if (v === 'processpartial') return 'ProcessPartial';
  throw new Error(`${d.name} must be Reject or ProcessPartial, not "${d.args[0]}"`);
}

const ignored = () => {};

const HANDLERS: Record<string, Handler> = {
  secrule: (b, d) => b.addSecRule(d),
  secaction: (b, d) => b.addSecAction(d),
  secmarker: (b, d) => {
    expectArgs(d, 1, 1);
    b.addMarker(d);
  },
  secdefaultaction: (b, d) => b.setDefaultAction(d),
  secruleengine: (b, d) => {
    expectArgs(d, 1, 1);
    const v = d.args[0]!.toLowerCase();
    const modes = { on: 'On', off: 'Off', detectiononly: 'DetectionOnly' } as const;
    const mode = modes[v as keyof typeof modes];
    if (!mode) throw new Error(`SecRuleEngine must be On, Off or DetectionOnly, not "${d.args[0]}"`);
    b.settings.ruleEngine = mode;
  },
  secrequestbodyaccess: (b, d) => void (b.settings.requestBodyAccess = onOff(d)),
  secresponsebodyaccess: (b, d) => void (b.settings.responseBodyAccess = onOff(d)),
  secrequestbodylimit: (b, d) => void (b.settings.requestBodyLimit = integer(d)),
  secrequestbodynofileslimit: (b, d) => void (b.settings.requestBodyNoFilesLimit = integer(d)),
  secrequestbodyinmemorylimit: (_b, d) => void integer(d),
  secrequestbodylimitaction: (b, d) => void (b.settings.requestBodyLimitAction = limitAction(d)),
  secresponsebodylimit: (b, d) => void (b.settings.responseBodyLimit = integer(d)),
  secresponsebodylimitaction: (b, d) => void (b.settings.responseBodyLimitAction = limitAction(d)),
  secresponsebodymimetype: (b, d) => {
    if (d.args.length === 0) throw new Error('SecResponseBodyMimeType needs at least one media type');
    for (const arg of d.args) for (const t of arg.split(/\s+/)) if (t) b.settings.responseBodyMimeTypes.add(t.toLowerCase());
  },
  secresponsebodymimetypesclear: (b) => void b.settings.responseBodyMimeTypes.clear(),
  secargumentslimit: (b, d) => void (b.settings.argumentsLimit = integer(d)),
  secrequestbodyjsondepthlimit: (b, d) => void (b.settings.requestBodyJsonDepthLimit = integer(d)),
  secuploadfilelimit: (b, d) => void (b.settings.uploadFileLimit = integer(d)),
  seccollectiontimeout: (b, d) => void (b.settings.collectionTimeout = integer(d)),
  secargumentseparator: (b, d) => {
    expectArgs(d, 1, 1);
    if (d.args[0]!.length !== 1) throw new Error('SecArgumentSeparator must be one character');
    b.settings.argumentSeparator = d.args[0]!;
  },
  seccomponentsignature: (b, d) => {
    expectArgs(d, 1, 1);
    b.settings.componentSignatures.push(d.args[0]!);
  },
  secwebappid: (b, d) => {
    expectArgs(d, 1, 1);
    b.settings.webAppId = d.args[0]!;
  },
  secauditengine: (b, d) => {
    expectArgs(d, 1, 1);
    b.settings.auditEngine = d.args[0]!;
  },
  secauditlogparts: (b, d) => {
    expectArgs(d, 1, 1);
    b.settings.auditLogParts = d.args[0]!;
  },
  secruleremovebyid: (b, d) => {
    if (d.args.length === 0) throw new Error('SecRuleRemoveById needs rule ids');
    b.removeById(parseIdRanges(d.args.join(' ')));
  },
  secruleremovebytag: (b, d) => {
    expectArgs(d, 1, 1);
    b.removeBy((r) => r.tags.includes(d.args[0]!));
  },
  secruleremovebymsg: (b, d) => {
    expectArgs(d, 1, 1);
    b.removeBy((r) => r.msg?.text === d.args[0]);
  },
  secruleupdatetargetbyid: (b, d) => {
    expectArgs(d, 2, 3);
    const ranges = parseIdRanges(d.args[0]!);
    b.updateTargets((r) => ranges.some(([x, y]) => r.id >= x && r.id <= y), d.args[1]!, d.args[2], d);
  },
  secruleupdatetargetbytag: (b, d) => {
    expectArgs(d, 2, 3);
    b.updateTargets((r) => r.tags.includes(d.args[0]!), d.args[1]!, d.args[2], d);
  },
  secruleupdatetargetbymsg: (b, d) => {
    expectArgs(d, 2, 3);
    b.updateTargets((r) => r.msg?.text === d.args[0], d.args[1]!, d.args[2], d);
  },
  secruleupdateactionbyid: (b, d) => {
    expectArgs(d, 2, 2);
    b.updateActions(d);
  },
  include: (b, d) => {
    expectArgs(d, 1, 1);
    b.include(d, false);
  },
  includeoptional: (b, d) => {
    expectArgs(d, 1, 1);
    b.include(d, true);
  },
  // Accepted and without effect here: logging, storage and tuning directives of other hosts.
  secauditlog: ignored,
  secauditlog2: ignored,
  secauditlogtype: ignored,
  secauditlogformat: ignored,
  secauditlogstoragedir: ignored,
  secauditlogdirmode: ignored,
  secauditlogfilemode: ignored,
  secauditlogrelevantstatus: ignored,
  secdebuglog: ignored,
  secdebugloglevel: ignored,
  sectmpdir: ignored,
  secdatadir: ignored,
  secuploaddir: ignored,
  secuploadkeepfiles: ignored,
  secuploadfilemode: ignored,
  sectmpsaveuploadedfiles: ignored,
  secpcrematchlimit: ignored,
  secpcrematchlimitrecursion: ignored,
  secunicodemapfile: ignored,
  secunicodecodepage: ignored,
  secstatusengine: ignored,
  secserversignature: ignored,
  seccookieformat: ignored,
  seccookievzeroseparator: ignored,
  secxmlexternalentity: ignored,
  sechttpblkey: ignored,
  secgeolookupdb: ignored,
  secconnengine: ignored,
  secremoterules: (_b, d) => {
    throw new Error(`${d.name} is not supported: rules are loaded from local files only`);
  },
};

class RuleSetBuilder {
  readonly settings: EngineSettings = defaultSettings();
  private readonly rules: Rule[] = [];
  /** Rule-or-marker order: entries are Rule or a marker name. */
  private readonly order: Array<Rule | string> = [];
  private readonly defaults: DefaultActions[] = [PASS_DEFAULTS, PASS_DEFAULTS, PASS_DEFAULTS, PASS_DEFAULTS, PASS_DEFAULTS, PASS_DEFAULTS];
  private readonly ids = new Map<number, Rule>();
  private readonly errors: SecLangError[] = [];
  private readonly includeStack: string[] = [];
  private readonly files: string[] = [];
  private openChain: Rule | undefined = undefined;
  private removed: Array<(r: Rule) => boolean> = [];
  private updates: Array<() => void> = [];
  /** Directory of the file being read: data files of operators are relative to it. */
  private baseDir = process.cwd();

  constructor(
    private readonly store: PersistentStore,
    private readonly maxDepth: number,
  ) {}

  fail(file: string, line: number, message: string): void {
    if (this.errors.length < 200) this.errors.push(new SecLangError(file, line, message));
  }

  includeFile(file: string, from: Directive | undefined, optional: boolean): void {
    if (this.includeStack.includes(file)) {
      this.fail(from?.file ?? file, from?.line ?? 0, `Include loop: ${file} includes itself`);
      return;
    }
    if (this.includeStack.length >= this.maxDepth) {
      this.fail(from?.file ?? file, from?.line ?? 0, `Include nested more than ${this.maxDepth} deep`);
      return;
    }
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch (err) {
      if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.fail(from?.file ?? file, from?.line ?? 0, `cannot read ${file}: ${(err as Error).message}`);
      return;
    }
    this.files.push(file);
    this.includeStack.push(file);
    try {
      this.addText(text, file, path.dirname(file));
    } finally {
      this.includeStack.pop();
    }
  }

  include(d: Directive, optional: boolean): void {
    const pattern = path.resolve(path.dirname(d.file), d.args[0]!);
    const files = expandGlob(pattern);
    if (files.length === 0) {
      if (!optional) this.fail(d.file, d.line, `Include matched no file: ${d.args[0]}`);
      return;
    }
    for (const f of files) this.includeFile(f, d, optional);
  }

  addText(text: string, name: string, baseDir: string): void {
    let directives: Directive[];
    try {
      directives = readDirectives(text, name);
    } catch (err) {
      if (err instanceof SecLangError) return this.fail(err.file, err.line, err.problem);
      throw err;
    }
    for (const d of directives) {
      const handler = HANDLERS[d.name.toLowerCase()];
      if (!handler) {
        this.fail(d.file, d.line, `unknown directive "${d.name}"`);
        continue;
      }
      if (this.openChain && d.name.toLowerCase() !== 'secrule') {
        this.fail(d.file, d.line, `${d.name} follows a rule that ends with "chain": the chained SecRule is missing`);
        this.openChain = undefined;
      }
      try {
        // Set before each directive: an Include in between has pointed it at the included file.
        this.baseDir = baseDir;
        handler(this, d);
      } catch (err) {
        if (err instanceof SecLangError) this.fail(err.file, err.line, err.problem);
        else this.fail(d.file, d.line, (err as Error).message);
      }
    }
  }

  private operatorContext(): OperatorCompileContext {
    return {
      baseDir: this.baseDir,
      readFile: (p: string) => {
        try {
          return fs.readFileSync(p, 'latin1');
        } catch (err) {
          throw new Error(`cannot read data file ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
        }
      },
    };
  }

  compileTargets(refs: readonly VariableRef[], rule: Rule): void {
    for (const ref of refs) {
      const variable = getVariable(ref.name);
      if (!variable) throw new Error(`unknown variable "${ref.name}"`);
      if (variable.kind === 'scalar' && ref.selector !== undefined) {
        throw new Error(`${ref.name} is not a collection: it takes no ":" selector`);
      }
      const keyRegex = selectorPattern(ref);
      if (variable.kind === 'xpath' && ref.selector?.kind === 'xpath') {
        // Validate the expression now (the document only exists at run time).
        try {
          validateXPath(ref.selector.expression);
        } catch (err) {
          throw new Error(`invalid XPath in "${ref.written}": ${(err as Error).message}`, { cause: err });
        }
      }
      const fullName = ref.written.replace(/^!?&?/, '');
      const target: Target = { ref, variable, keyRegex, fullName };
      (ref.exclusion ? rule.exclusions : rule.targets).push(target);
    }
  }

  applyActions(rule: Rule, text: string): void {
    for (const a of parseActionList(text)) {
      const def = getAction(a.name);
      if (!def) throw new Error(`unknown action "${a.written}"`);
      try {
        def.build(a.value, rule);
      } catch (err) {
        throw new Error(`${a.written}: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  addSecRule(d: Directive): void {
    if (d.args.length < 2 || d.args.length > 3) throw new Error(`SecRule takes variables, an operator and actions; got ${d.args.length} arguments`);
    const rule = new Rule(d.file, d.line);
    const parent = this.openChain;
    if (parent) {
      rule.chainParent = parent;
      rule.phase = parent.phase;
    }
    try {
      if (d.args[2] !== undefined) this.applyActions(rule, d.args[2]);
      try {
        this.compileTargets(parseVariableList(d.args[0]!), rule);
      } catch (err) {
        throw new Error(`in the variables "${d.args[0]}": ${(err as Error).message}`, { cause: err });
      }
      if (rule.targets.length === 0) throw new Error(`no variables to inspect in "${d.args[0]}" (only exclusions)`);
      this.compileOperator(rule, d.args[1]!);
      this.place(rule, d);
    } catch (err) {
      // Keep the chain structure so one bad rule does not cascade into errors about its links.
      this.openChain = rule.chained ? rule : undefined;
      throw err;
    }
  }

  private compileOperator(rule: Rule, text: string): void {
    let t = text.replace(/^\s+/, '');
    if (t.startsWith('!')) {
      rule.negated = true;
      t = t.slice(1).replace(/^\s+/, '');
    }
    let name = 'rx';
    let param = t;
    if (t.startsWith('@')) {
      const m = /^@([A-Za-z0-9_]+)(?:\s+([\s\S]*))?$/.exec(t);
      if (!m) throw new Error(`invalid operator "${text}"`);
      name = m[1]!;
      param = m[2] ?? '';
    }
    const factory = getOperatorFactory(name);
    if (!factory) throw new Error(`unknown operator "@${name}"`);
    rule.operatorName = factory.name;
    rule.operatorParam = param;
    try {
      rule.operator = factory.create(param, this.operatorContext());
    } catch (err) {
      throw new Error(`@${factory.name}: ${(err as Error).message}`, { cause: err });
    }
  }

  addSecAction(d: Directive): void {
    expectArgs(d, 1, 1);
    const rule = new Rule(d.file, d.line);
    rule.unconditional = true;
    rule.operatorName = 'unconditionalMatch';
    this.applyActions(rule, d.args[0]!);
    this.place(rule, d);
  }

  private place(rule: Rule, d: Directive): void {
    const parent = rule.chainParent;
    if (parent) {
      if (rule.id !== 0) throw new Error('a chained rule cannot have its own id');
      if (rule.phase !== parent.phase) throw new Error('a chained rule cannot change the phase');
      parent.chainChild = rule;
      this.openChain = rule.chained ? rule : undefined;
      return;
    }
    if (rule.id === 0) throw new Error('rules must have an id');
    const dup = this.ids.get(rule.id);
    if (dup) throw new SecLangError(d.file, d.line, `rule id ${rule.id} is already used at ${dup.file}:${dup.line}`);
    this.ids.set(rule.id, rule);
    this.rules.push(rule);
    this.order.push(rule);
    this.openChain = rule.chained ? rule : undefined;
  }

  addMarker(d: Directive): void {
    this.order.push(d.args[0]!);
  }

  setDefaultAction(d: Directive): void {
    expectArgs(d, 1, 1);
    const rule = new Rule(d.file, d.line);
    this.applyActions(rule, d.args[0]!);
    if (rule.id !== 0) throw new Error('SecDefaultAction cannot set an id');
    if (rule.chained) throw new Error('SecDefaultAction cannot chain');
    if (rule.disruptive === undefined) throw new Error('SecDefaultAction needs a disruptive action (pass, deny, ...)');
    if (rule.disruptive === 'block') throw new Error('SecDefaultAction cannot be "block"');
    if (!/phase\s*:/i.test(d.args[0]!)) throw new Error('SecDefaultAction needs a phase');
    this.defaults[rule.phase] = {
      transformations: rule.ownTransformations,
      disruptive: rule.disruptive,
      status: rule.status,
      redirectUrl: rule.redirectUrl,
      log: rule.log,
      auditlog: rule.auditlog,
      tags: rule.tags,
      afterMatch: [...rule.setvars, ...rule.afterMatch],
    };
  }

  removeById(ranges: Array<[number, number]>): void {
    this.removed.push((r) => ranges.some(([a, b]) => r.id >= a && r.id <= b));
  }

  removeBy(pred: (r: Rule) => boolean): void {
    this.removed.push(pred);
  }

  updateTargets(pred: (r: Rule) => boolean, targets: string, replaced: string | undefined, d: Directive): void {
    const refs = parseVariableList(targets);
    const replacedRefs = replaced === undefined ? undefined : parseVariableList(replaced);
    // Applied once every rule is known (ModSecurity v3 applies them at run time, to all rules).
    this.updates.push(() => {
      for (const r of this.rules) {
        if (!pred(r)) continue;
        try {
          if (replacedRefs) {
            // Replace the written target (e.g. ARGS) by the new one(s).
            const names = new Set(replacedRefs.map((x) => x.written.toUpperCase()));
            r.targets = r.targets.filter((t) => !names.has(t.fullName.toUpperCase()));
          }
          this.compileTargets(refs, r);
        } catch (err) {
          this.fail(d.file, d.line, (err as Error).message);
        }
      }
    });
  }

  updateActions(d: Directive): void {
    const id = Number(d.args[0]);
    if (!Number.isInteger(id) || id <= 0) throw new Error(`SecRuleUpdateActionById needs a rule id, not "${d.args[0]}"`);
    const text = d.args[1]!;
    this.updates.push(() => {
      const r = this.ids.get(id);
      if (!r) return this.fail(d.file, d.line, `SecRuleUpdateActionById: no rule with id ${id}`);
      const disruptiveBefore = r.disruptive;
      try {
        for (const a of parseActionList(text)) {
          if (a.name === 'id' || a.name === 'chain') throw new Error(`"${a.written}" cannot be updated`);
        }
        // A new disruptive action replaces the old one; other actions add or override.
        r.disruptive = undefined;
        this.applyActions(r, text);
        if (r.disruptive === undefined) r.disruptive = disruptiveBefore;
      } catch (err) {
        this.fail(d.file, d.line, (err as Error).message);
      }
    });
  }

  finish(valueMemory: boolean): RuleSet {
    if (this.openChain) {
      this.fail(this.openChain.file, this.openChain.line, 'the last rule ends with "chain" but no chained rule follows');
    }
    for (const u of this.updates) u();
    if (this.errors.length > 0) throw new SecLangErrors(this.errors);
    const set = new RuleSet(this.settings, this.store, valueMemory);
    for (const p of PHASES) set.defaults[p] = this.defaults[p]!;
    set.files.push(...this.files);
    const removed = (r: Rule) => this.removed.some((f) => f(r));
    for (const entry of this.order) {
      if (typeof entry === 'string') {
        // Markers are placed in every phase, so skipAfter works whatever the phase.
        for (const p of PHASES) {
          const m = new Rule('', 0);
          m.marker = entry;
          m.phase = p;
          set.phases[p]!.push(m);
        }
        continue;
      }
      if (removed(entry)) continue;
      for (let r: Rule | undefined = entry; r; r = r.chainChild) {
        finishTransformations(r, set.defaults[r.phase]!);
        r.chainNode = set.chains.nodeFor(r.transformations);
        r.txMember = txMemberOf(r);
        if (valueMemory && r.operator?.pure === true && !(r.multiMatch && r.negated)) r.memo = set.memoRules++;
      }
      set.phases[entry.phase]!.push(entry);
      set.byId.set(entry.id, entry);
    }
    return set;
  }
}

/**
 * The one TX member a rule tests, when that is all it does: one target TX:name or &TX:name, no
 * transformation, no exclusion, one operator call (the CRS's set-up and paranoia-level rules,
 * a third of what a plain GET evaluates). The transaction reads it directly (Rule.txMember).
 */
function txMemberOf(r: Rule): Rule['txMember'] {
  // An operator with literals goes through the prefilter's per-value check on the general path.
  if (r.targets.length !== 1 || r.exclusions.length > 0 || r.transformations.length > 0 || r.multiMatch || !r.operator || r.operator.literals || r.unconditional) return undefined;
  const t = r.targets[0]!;
  const sel = t.ref.selector;
  if (t.variable.name !== 'TX' || sel?.kind !== 'key') return undefined;
  return { lowerKey: sel.lower, count: t.ref.count, fullName: t.fullName };
}

function finishTransformations(rule: Rule, defaults: DefaultActions): void {
  rule.transformations = rule.hasNone ? rule.ownTransformations : [...defaults.transformations, ...rule.ownTransformations];
}

/** The XPath subset is checked by the XML document at run time; here only obvious mistakes. */
function validateXPath(expression: string): void {
  if (expression === '') throw new Error('empty XPath expression');
  if (!expression.startsWith('/') && !expression.startsWith('.') && !/^[A-Za-z_@*]/.test(expression)) {
    throw new Error(`"${expression}" is not an XPath location path`);
  }
}

