// Reads go-ftw test files (the ftw-tests-schema v2 format the CRS uses, with the older forms
// go-ftw still accepts: stop_magic, log_contains, `- stage:` wrappers, status lists, and the v3
// payload/template form) into one record per (rule, test, stage). A file that cannot be read is
// a FileProblem, reported as a failure; an empty or commented-out file is skipped.
import fs from 'node:fs';
import path from 'node:path';
import type { FileProblem, HeaderTuple, LogExpectations, ResponseSpec, StageInput, StageOutput, StageRecord } from './types.js';
import {
  boolAt,
  intAt,
  intListAt,
  isPlainMap,
  listAt,
  mapAt,
  parsePlainYaml,
  stringAt,
  stringMapAt,
  YamlShapeError,
  type Plain,
  type PlainMap,
} from './yaml-plain.js';

export interface LoadedTests {
  readonly records: StageRecord[];
  readonly problems: FileProblem[];
  /** Files that held tests (skipped empty ones excluded). */
  readonly files: number;
  readonly skipped: string[];
}

/** Test files under `dir`, as go-ftw's default glob `**\/*.y*ml` finds them, sorted. */
export function findTestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const entries = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && /\.y[^/]*ml$/.test(e.name)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

function headerList(v: Plain | undefined, at: string): HeaderTuple[] | undefined {
  const list = listAt(v, at);
  if (!list) return undefined;
  return list.map((item, i) => {
    const m = mapAt(item, `${at}[${i}]`) ?? {};
    return { name: stringAt(m.name, `${at}[${i}].name`) ?? '', value: stringAt(m.value, `${at}[${i}].value`) ?? '' };
  });
}

function readResponse(v: Plain | undefined, at: string): ResponseSpec | undefined {
  const m = mapAt(v, at);
  if (!m) return undefined;
  const headers = stringMapAt(m.headers, `${at}.headers`);
  const status = intAt(m.status, `${at}.status`);
  const body = stringAt(m.body, `${at}.body`);
  const encodedBody = stringAt(m.encoded_body, `${at}.encoded_body`);
  return {
    ...(status !== undefined ? { status } : {}),
    ...(headers ? { headers: Object.fromEntries(headers) } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(encodedBody !== undefined ? { encodedBody } : {}),
  };
}

/** A stage's input, or a test template (same fields), as written. */
interface RawInput {
  destAddr?: string;
  port?: number;
  protocol?: string;
  method?: string;
  uri?: string;
  version?: string;
  headers?: HeaderTuple[];
  orderedHeaders?: HeaderTuple[];
  data?: string;
  encodedData?: string;
  encodedRequest?: string;
  rawRequest?: string;
  autocompleteHeaders?: boolean;
  stopMagic?: boolean;
  followRedirect?: boolean;
  response?: ResponseSpec;
}

function readRawInput(m: PlainMap, at: string, template: boolean): RawInput {
  const out: RawInput = {};
  const set = <K extends keyof RawInput>(k: K, v: RawInput[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('destAddr', stringAt(m.dest_addr, `${at}.dest_addr`));
  set('port', intAt(m.port, `${at}.port`, 0, 65535));
  set('protocol', stringAt(m.protocol, `${at}.protocol`));
  set('method', stringAt(m.method, `${at}.method`));
  set('uri', stringAt(m.uri, `${at}.uri`));
  set('version', stringAt(m.version, `${at}.version`));
  if (template) {
    // v3 templates list their headers in order.
    set('orderedHeaders', headerList(m.headers, `${at}.headers`));
  } else {
    const h = stringMapAt(m.headers, `${at}.headers`);
    if (h) {
      // go-ftw sorts the `headers` map by name (Go's byte order) to send it.
      h.sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      out.headers = h.map(([name, value]) => ({ name, value }));
    }
    set('orderedHeaders', headerList(m.ordered_headers, `${at}.ordered_headers`));
  }
  set('data', stringAt(m.data, `${at}.data`));
  set('encodedData', stringAt(m.encoded_data, `${at}.encoded_data`));
  set('encodedRequest', stringAt(m.encoded_request, `${at}.encoded_request`));
  set('rawRequest', stringAt(m.raw_request, `${at}.raw_request`));
  set('autocompleteHeaders', boolAt(m.autocomplete_headers, `${at}.autocomplete_headers`));
  set('stopMagic', boolAt(m.stop_magic, `${at}.stop_magic`));
  set('followRedirect', boolAt(m.follow_redirect, `${at}.follow_redirect`));
  set('response', readResponse(m.response, `${at}.response`));
  return out;
}

function finishInput(r: RawInput): StageInput {
  // go-ftw's postProcessAutocompleteHeaders: autocomplete_headers wins; else !stop_magic; else true.
  const autocompleteHeaders = r.autocompleteHeaders ?? (r.stopMagic !== undefined ? !r.stopMagic : true);
  const { stopMagic: _s, autocompleteHeaders: _a, ...rest } = r;
  return { ...rest, autocompleteHeaders };
}

export function readOutput(v: Plain | undefined, at: string): StageOutput {
  const m = mapAt(v, at) ?? {};
  const logMap = mapAt(m.log, `${at}.log`) ?? {};
  let expectIds = intListAt(logMap.expect_ids, `${at}.log.expect_ids`, false);
  let noExpectIds = intListAt(logMap.no_expect_ids, `${at}.log.no_expect_ids`, false);
  // Older files: `expect_id` / `no_expect_id`, one number or a list.
  const legacyExpect = intListAt(logMap.expect_id ?? m.expect_id, `${at}.log.expect_id`, true);
  const legacyNoExpect = intListAt(logMap.no_expect_id ?? m.no_expect_id, `${at}.log.no_expect_id`, true);
  if (legacyExpect) expectIds = [...(expectIds ?? []), ...legacyExpect];
  if (legacyNoExpect) noExpectIds = [...(noExpectIds ?? []), ...legacyNoExpect];
  let matchRegex = stringAt(logMap.match_regex, `${at}.log.match_regex`);
  let noMatchRegex = stringAt(logMap.no_match_regex, `${at}.log.no_match_regex`);
  // go-ftw's postProcessLogContains: the deprecated forms apply when the new ones are absent.
  const logContains = stringAt(m.log_contains, `${at}.log_contains`);
  const noLogContains = stringAt(m.no_log_contains, `${at}.no_log_contains`);
  if (logContains && expectIds === undefined && !matchRegex) matchRegex = logContains;
  if (noLogContains && noExpectIds === undefined && !noMatchRegex) noMatchRegex = noLogContains;
  const log: LogExpectations = {
    ...(expectIds !== undefined ? { expectIds } : {}),
    ...(noExpectIds !== undefined ? { noExpectIds } : {}),
    ...(matchRegex ? { matchRegex } : {}),
    ...(noMatchRegex ? { noMatchRegex } : {}),
  };
  const statusList = intListAt(m.status, `${at}.status`, true)?.filter((s) => s !== 0);
  const responseContains = stringAt(m.response_contains, `${at}.response_contains`);
  const expectError = boolAt(m.expect_error, `${at}.expect_error`);
  const isolated = boolAt(m.isolated, `${at}.isolated`);
  return {
    ...(statusList && statusList.length > 0 ? { status: statusList } : {}),
    ...(responseContains ? { responseContains } : {}),
    log,
    ...(expectError !== undefined ? { expectError } : {}),
    ...(isolated ? { isolated } : {}),
  };
}

/** Replaces {{.Payload}} (and only that) in a v3 template field. */
function withPayload(text: string | undefined, payload: string): string | undefined {
  return text?.replace(/\{\{-?\s*\.Payload\s*-?\}\}/g, payload);
}

/** Parses one test file's text. `file` is the name used in results (relative path). */
export function parseTestFile(text: string, file: string): { records: StageRecord[]; ruleId: number; problem?: FileProblem; empty: boolean } {
  const base = path.basename(file);
  const fallbackId = Number(/\d+/.exec(base)?.[0] ?? 0);
  let ruleId = fallbackId;
  try {
    const doc = parsePlainYaml(text);
    if (doc === null) return { records: [], ruleId, empty: true };
    if (!isPlainMap(doc)) throw new YamlShapeError(`the file is not a mapping`);
    const declared = intAt(doc.rule_id, 'rule_id');
    if (declared !== undefined && declared > 0) ruleId = declared;
    if (ruleId === 0) throw new YamlShapeError('rule_id is missing and the file name holds no rule id');
    const fileTemplate = mapAt(doc.template, 'template');
    const tests = listAt(doc.tests, 'tests') ?? [];
    const records: StageRecord[] = [];
    tests.forEach((t, ti) => {
      const at = `tests[${ti}]`;
      const tm = mapAt(t, at) ?? {};
      const testId = intAt(tm.test_id, `${at}.test_id`) || intAt(tm.id, `${at}.id`) || ti + 1;
      const description = stringAt(tm.desc, `${at}.desc`) ?? stringAt(tm.description, `${at}.description`);
      const stages = listAt(tm.stages, `${at}.stages`) ?? [];
      const payload = stringAt(tm.payload, `${at}.payload`);
      if (stages.length === 0 && payload !== undefined) {
        // v3: one stage from the file template, the test's template fields over it, the payload in.
        const merged: RawInput = {
          ...(fileTemplate ? readRawInput(fileTemplate, 'template', true) : {}),
          ...readRawInput(mapAt(tm.template, `${at}.template`) ?? {}, `${at}.template`, true),
        };
        merged.uri = withPayload(merged.uri, payload);
        merged.data = withPayload(merged.data, payload);
        merged.orderedHeaders = merged.orderedHeaders?.map((h) => ({ name: h.name, value: withPayload(h.value, payload)! }));
        records.push({
          file,
          ruleId,
          testId,
          stageIndex: 0,
          stageCount: 1,
          ...(description !== undefined ? { description } : {}),
          input: finishInput(merged),
          output: readOutput(tm.output, `${at}.output`),
        });
        return;
      }
      stages.forEach((s, si) => {
        const sat = `${at}.stages[${si}]`;
        let sm = mapAt(s, sat) ?? {};
        // Older files wrap each stage: `- stage: {input, output}`.
        if (sm.input === undefined && isPlainMap(sm.stage)) sm = sm.stage;
        const input = finishInput(readRawInput(mapAt(sm.input, `${sat}.input`) ?? {}, `${sat}.input`, false));
        const output = readOutput(sm.output, `${sat}.output`);
        records.push({ file, ruleId, testId, stageIndex: si, stageCount: stages.length, ...(description !== undefined ? { description } : {}), input, output });
      });
    });
    return { records, ruleId, empty: false };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { records: [], ruleId, problem: { file, ruleId, reason: `unreadable test file: ${reason}` }, empty: false };
  }
}

export interface LoadTestsOptions {
  /** Only files whose rule id is one of these. */
  readonly ruleIds?: ReadonlySet<number>;
}

/** Reads every test file under `dir`. */
export function loadTests(dir: string, options: LoadTestsOptions = {}): LoadedTests {
  const records: StageRecord[] = [];
  const problems: FileProblem[] = [];
  const skipped: string[] = [];
  let files = 0;
  for (const full of findTestFiles(dir)) {
    const rel = path.relative(dir, full);
    let text: string;
    try {
      text = fs.readFileSync(full, 'utf8');
    } catch (err) {
      problems.push({ file: rel, ruleId: Number(/\d+/.exec(path.basename(rel))?.[0] ?? 0), reason: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const parsed = parseTestFile(text, rel);
    if (options.ruleIds && !options.ruleIds.has(parsed.ruleId)) continue;
    if (parsed.empty) {
      skipped.push(rel);
      continue;
    }
    files++;
    if (parsed.problem) problems.push(parsed.problem);
    records.push(...parsed.records);
  }
  return { records, problems, files, skipped };
}
