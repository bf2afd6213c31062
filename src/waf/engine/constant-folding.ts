// Constant folding: rules whose outcome is the same for every request are worked out once, when
// the rule set loads, instead of in every transaction.
//
// The CRS begins every request by setting some fifty TX members to their defaults (rules
// 901100-901200: "&TX:x @eq 0" then setvar) and then, in every file and phase, compares
// TX:DETECTION_PARANOIA_LEVEL with 1, 2, 3 and 4 to skip the rules above the level in use.
// Those rules read only TX members that nothing dependent on the request writes, so they match
// or not alike for every request; at paranoia 1 they and the rules they skip were a third of
// the rules a plain GET visited. A folded program leaves out the folded rules and the rules
// their skips pass over (dead), and sets, when each phase starts, the TX members the folded
// rules of that phase leave behind.
//
// Exactness rests on these conditions, each checked here. A rule that writes TX and fails one
// where it stands is kept, and the analysis runs again with it counted as a kept writer:
// - a folded rule reads and writes only TX members (targets, operator parameter, setvar
//   texts) that are *known* where it stands: written before it by folded rules only, never
//   by a kept rule, never set by the host (`hostKeys`, e.g. the gateway's route name); kept
//   rules may write them later (901200 sets the anomaly scores to 0, detection rules add);
// - its effects are setvars on TX with constant names, skip and skipAfter; a match leaves no
//   log record, no severity, no interruption (checked by evaluating it);
// - no kept rule before it may skip over it, or take it out (ctl:ruleRemove*) unless the same
//   ctl takes out every rule it skips; no kept rule before it in the phase reads what it
//   writes, or (if it writes) may interrupt or allow;
// - a phase-5 rule does not read what folded rules of phases 2-4 wrote (phase 5 also runs
//   after an interruption that kept those phases from running);
// - no kept chain head reads MATCHED_VAR(S) left by a rule before it (else nothing folds);
// - a chained rule is left out whole only when its head, with known inputs and no setvar,
//   never matches, and no kept rule's skip count reaches it;
// - a transaction uses the folded program only when its TX holds nothing but host keys when
//   phase 1 starts (Transaction.runPhase).
import { Macro } from './macro.js';
import { selects, type RemovalFacts, type Rule, type RuleSelector } from './rule.js';
import { PHASES, type RuleSet } from './ruleset.js';
import { Transaction } from './transaction.js';
import type { KeyPattern } from '../regex/key-pattern.js';

export interface FoldedProgram {
  /** Per phase (index 0 unused), the rules a transaction evaluates, in order. */
  readonly phases: ReadonlyArray<readonly Rule[]>;
  /** Per phase, the TX members to set when it starts: [key as first written, value, or undefined to delete]. */
  readonly deltas: ReadonlyArray<ReadonlyArray<readonly [string, string | undefined]>>;
  /** TX members (lower-case) the host may set before phase 1 without disabling the program. */
  readonly hostKeys: ReadonlySet<string>;
  /** Rules folded, and rules left out because a folded rule always skips them. */
  readonly folded: number;
  readonly dead: number;
}

/** TX members a rule reads: by name, by key pattern, or all of them. */
interface Reads {
  readonly keys: Set<string>;
  readonly patterns: KeyPattern[];
  all: boolean;
}

interface Candidate {
  readonly reads: Set<string>;
  readonly writes: Set<string>;
}

const MATCHED = new Set(['MATCHED_VAR', 'MATCHED_VARS', 'MATCHED_VAR_NAME', 'MATCHED_VARS_NAMES']);

/** The folded program of a loaded rule set, or undefined when nothing can be folded safely. */
export function foldConstants(set: RuleSet, hostTxKeys: readonly string[] = []): FoldedProgram | undefined {
  const hostKeys = new Set(hostTxKeys.map((k) => k.toLowerCase()));
  const heads: Rule[] = [];
  for (const p of PHASES) for (const r of set.phases[p]!) if (r.marker === undefined) heads.push(r);

  // Kept heads reading what the rule before left behind would see it differ.
  for (const h of heads) {
    if (h.targets.some((t) => MATCHED.has(t.variable.name))) return undefined;
    if (refsOf(h.operatorParam).some((ref) => MATCHED.has(ref.variable))) return undefined;
  }

  // Positions in execution order (phase by phase); a member is known at a position when only
  // folded rules wrote it before (the host's members never are).
  const position = new Map<Rule, number>();
  heads.forEach((h, i) => position.set(h, i));
  // Rules found not to fold where they stand are treated as kept, and the analysis runs again.
  const blocked = new Set<Rule>();
  for (let attempt = 0; attempt <= heads.length; attempt++) {
    const result = analyse(set, heads, position, hostKeys, blocked);
    if (result === undefined || 'phases' in result) return result;
    blocked.add(result.block);
  }
  return undefined;
}

/** One pass: the folded program, a rule with writes that cannot fold where it stands, or undefined to give up. */
function analyse(set: RuleSet, heads: readonly Rule[], position: ReadonlyMap<Rule, number>, hostKeys: ReadonlySet<string>, blocked: ReadonlySet<Rule>): FoldedProgram | { readonly block: Rule } | undefined {
  const candidates = new Map<Rule, Candidate>();
  const firstWrite = new Map<string, number>();
  const prefixes: Array<{ readonly prefix: string; readonly at: number }> = [];
  const written = (k: string, at: number) => firstWrite.set(k, Math.min(at, firstWrite.get(k) ?? Infinity));
  for (const k of hostKeys) written(k, -1);
  for (const h of heads) {
    const c = blocked.has(h) ? undefined : candidateOf(h);
    if (c !== undefined) {
      candidates.set(h, c);
      continue;
    }
    const at = position.get(h)!;
    for (let r: Rule | undefined = h; r; r = r.chainChild) {
      if (r.capture) for (let i = 0; i <= 9; i++) written(String(i), at);
      for (const a of r.setvars) {
        const f = a.facts;
        if (f?.kind !== 'setvar' || f.collection !== 'TX') continue;
        const macro = f.key.text.indexOf('%{');
        if (macro === -1) written(f.key.text.trim().toLowerCase(), at);
        else if (macro === 0) return undefined; // may write any member
        else prefixes.push({ prefix: f.key.text.slice(0, macro).trim().toLowerCase(), at });
      }
    }
  }
  const knownAt = (k: string, at: number) => (firstWrite.get(k) ?? Infinity) > at && !prefixes.some((p) => p.at < at && k.startsWith(p.prefix));
  const allKnown = (keys: Iterable<string>, r: Rule) => {
    const at = position.get(r)!;
    for (const k of keys) if (!knownAt(k, at)) return false;
    return true;
  };
  // A candidate reading or writing a member some kept rule wrote before it is not constant (a
  // kept rule may still write it later: the anomaly scores that 901200 sets to 0); its writes
  // then count as those of a kept rule.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [r, c] of candidates) {
      if (allKnown(c.reads, r) && allKnown(c.writes, r)) continue;
      candidates.delete(r);
      for (const k of c.writes) written(k, position.get(r)!);
      changed = true;
    }
  }

  const scratch = new Transaction(set, {});
  const phases: Rule[][] = [[]];
  const deltas: Array<Array<readonly [string, string | undefined]>> = [[]];
  let folded = 0;
  let dead = 0;
  // Flow left by folded rules (taken for certain) and by kept rules (maybe taken).
  let skipping: string | undefined;
  let skipCount = 0;
  let guards: RuleSelector[] = [];
  const maybeSkip = new Set<string>();
  let maybeSkipCount = 0;
  const removers: RemovalFacts[] = [];
  const lastWritten = new Map<string, number>();
  for (const p of PHASES) {
    const out: Rule[] = [];
    const touched = new Set<string>();
    // Phase 5 runs after an interruption too: it cannot count on phases 2-4 having run.
    const afterUncertainPhases = (reads: Iterable<string>) => {
      if (p !== 5) return false;
      for (const k of reads) if ((lastWritten.get(k) ?? 1) > 1) return true;
      return false;
    };
    const readsBefore: Reads = { keys: new Set(), patterns: [], all: false };
    let barrier = false;
    for (const rule of set.phases[p]!) {
      if (skipping !== undefined || (skipCount > 0 && rule.marker === undefined)) {
        if (skipping !== undefined && rule.marker === skipping) {
          skipping = undefined;
          guards = [];
          out.push(rule);
          continue;
        }
        if (rule.marker === undefined) {
          // A folded rule that a ctl may take out skips only if it runs: what it skips must
          // be taken out by the same ctl.
          if (guards.some((g) => !selects(g, rule))) return undefined;
          if (skipping === undefined && --skipCount === 0) guards = [];
        }
        dead++;
        continue;
      }
      if (rule.marker !== undefined) {
        maybeSkip.delete(rule.marker);
        out.push(rule);
        continue;
      }
      // A chained rule whose head reads only known members and sets nothing, and never matches:
      // the whole rule never matches and leaves nothing, whatever else happens around it (but
      // a kept rule's skip counts rules, so none is left out within its reach).
      if (rule.chained && maybeSkipCount === 0) {
        const head = headCandidateOf(rule);
        if (head !== undefined && head.writes.size === 0 && allKnown(head.reads, rule) && !afterUncertainPhases(head.reads)) {
          if (!scratch.constantHeadMatches(rule)) {
            folded++;
            continue;
          }
        }
      }
      const c = candidates.get(rule);
      const coveredBy = removers.filter((f) => selects(f.rules, rule));
      let fold = c !== undefined && maybeSkip.size === 0 && maybeSkipCount === 0 && !coveredBy.some((f) => f.kind === 'removeTarget');
      if (fold && c!.writes.size > 0 && (barrier || coveredBy.length > 0 || readsAny(readsBefore, c!.writes))) fold = false;
      if (fold && afterUncertainPhases(c!.reads)) fold = false;
      if (!fold) {
        if (c !== undefined && c.writes.size > 0) return { block: rule };
        out.push(rule);
        if (maybeSkipCount > 0) maybeSkipCount--;
        if (rule.skipAfter !== undefined) maybeSkip.add(rule.skipAfter);
        if (rule.skip > 0) maybeSkipCount = Math.max(maybeSkipCount, rule.skip);
        if (mayStop(rule, set)) barrier = true;
        addReads(readsBefore, rule);
        for (let r: Rule | undefined = rule; r; r = r.chainChild) for (const a of r.afterMatch) if (a.facts !== undefined && a.facts.kind !== 'setvar') removers.push(a.facts);
        continue;
      }
      const o = scratch.evaluateConstant(rule);
      if (!o.clean) return { block: rule };
      folded++;
      for (const k of c!.writes) {
        touched.add(k);
        lastWritten.set(k, p);
      }
      if (o.skipAfter !== undefined || o.skip > 0) {
        skipping = o.skipAfter;
        skipCount = o.skipAfter === undefined ? o.skip : 0;
        guards = coveredBy.map((f) => f.rules);
      }
    }
    phases.push(out);
    deltas.push([...touched].map((k) => {
      const e = scratch.tx.getEntry(k);
      return [e?.key ?? k, e?.value] as const;
    }));
  }
  if (folded === 0) return undefined;
  return { phases, deltas, hostKeys, folded, dead };
}

function refsOf(text: string): Array<{ readonly variable: string; readonly key: string | undefined }> {
  return text.includes('%{') ? Macro.compile(text).references() : [];
}

/** What a rule with constant inputs reads and writes; undefined when it is not one. */
function candidateOf(r: Rule): Candidate | undefined {
  if (r.chained || r.afterMatch.length > 0) return undefined;
  return headCandidateOf(r);
}

/** As candidateOf for the rule itself, its chain and after-match actions left aside. */
function headCandidateOf(r: Rule): Candidate | undefined {
  if (r.capture || r.exclusions.length > 0) return undefined;
  if (!r.unconditional && (r.operator === undefined || r.targets.length === 0)) return undefined;
  const reads = new Set<string>();
  const writes = new Set<string>();
  for (const t of r.targets) {
    const sel = t.ref.selector;
    if (t.variable.name !== 'TX' || sel?.kind !== 'key') return undefined;
    reads.add(sel.lower);
  }
  const read = (refs: ReturnType<typeof refsOf>, matchedOk: boolean): boolean => {
    for (const ref of refs) {
      if (ref.variable === 'TX' && ref.key !== undefined) reads.add(ref.key.toLowerCase());
      else if (ref.variable === 'RULE' || (matchedOk && MATCHED.has(ref.variable))) continue;
      else return false;
    }
    return true;
  };
  if (!read(refsOf(r.operatorParam), false)) return undefined;
  for (const a of r.setvars) {
    const f = a.facts;
    if (f?.kind !== 'setvar' || f.collection !== 'TX' || !f.key.constant) return undefined;
    writes.add(f.key.text.trim().toLowerCase());
    if (f.value !== undefined && !read(f.value.references(), true)) return undefined;
  }
  return { reads, writes };
}

/** Whether a kept rule may end the phase or the request (deny, drop, redirect, allow). */
function mayStop(r: Rule, set: RuleSet): boolean {
  const kind = r.disruptive === 'block' ? set.defaults[r.phase]!.disruptive : r.disruptive ?? 'pass';
  return kind !== 'pass';
}

/** Adds every TX member a kept rule (and its chain) may read: targets and every macro it holds. */
function addReads(into: Reads, head: Rule): void {
  for (let r: Rule | undefined = head; r; r = r.chainChild) {
    for (const t of r.targets) {
      if (t.variable.name !== 'TX') continue;
      const sel = t.ref.selector;
      if (sel?.kind === 'key') into.keys.add(sel.lower);
      else if (sel?.kind === 'regex' && t.keyRegex !== undefined) into.patterns.push(t.keyRegex);
      else into.all = true;
    }
    const texts = [r.operatorParam, r.msg?.text ?? '', r.logdata?.text ?? '', r.redirectUrl?.text ?? '', ...r.tags];
    for (const a of r.setvars) if (a.facts?.kind === 'setvar') texts.push(a.facts.key.text, a.facts.value?.text ?? '');
    for (const text of texts) {
      for (const ref of refsOf(text)) {
        if (ref.variable !== 'TX') continue;
        if (ref.key === undefined) into.all = true;
        else into.keys.add(ref.key.toLowerCase());
      }
    }
  }
}

function readsAny(r: Reads, keys: Set<string>): boolean {
  if (r.all) return keys.size > 0;
  for (const k of keys) if (r.keys.has(k) || r.patterns.some((p) => p.test(k))) return true;
  return false;
}
