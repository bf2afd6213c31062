// Platform overrides, in the shape of the CRS's tests/regression/*-overrides.yaml (the
// ftw-tests-schema overrides format): per rule, the tests (all when test_ids is absent) and
// stages (all when stage_ids is absent) whose expectations do not hold on this platform, why, and
// optionally the output to expect instead. Without a replacement output a test is "overridden"
// and not judged; with one, it is judged against that output.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readOutput } from './load-tests.js';
import type { StageOutput, StageRecord } from './types.js';
import { intAt, intListAt, listAt, mapAt, parsePlainYaml, stringAt, YamlShapeError } from './yaml-plain.js';

export interface TestOverride {
  readonly ruleId: number;
  readonly testIds?: readonly number[];
  readonly stageIds?: readonly number[];
  readonly reason: string;
  readonly output?: StageOutput;
}

export interface Overrides {
  readonly engine: string;
  readonly platform: string;
  readonly entries: readonly TestOverride[];
  /** The override for a stage, if any (the last matching entry wins, as go-ftw applies them in order). */
  find(record: Pick<StageRecord, 'ruleId' | 'testId' | 'stageIndex'>): TestOverride | undefined;
}

export const NO_OVERRIDES: Overrides = { engine: '', platform: '', entries: [], find: () => undefined };

export function parseOverrides(text: string, name: string): Overrides {
  let doc;
  try {
    doc = parsePlainYaml(text);
  } catch (err) {
    throw new YamlShapeError(`${name}: ${(err as Error).message}`);
  }
  const top = mapAt(doc, name) ?? {};
  const meta = mapAt(top.meta, `${name}: meta`) ?? {};
  const entries: TestOverride[] = (listAt(top.test_overrides, `${name}: test_overrides`) ?? []).map((item, i) => {
    const at = `${name}: test_overrides[${i}]`;
    const m = mapAt(item, at) ?? {};
    const ruleId = intAt(m.rule_id, `${at}.rule_id`);
    if (!ruleId) throw new YamlShapeError(`${at}: rule_id is required`);
    const reason = stringAt(m.reason, `${at}.reason`)?.trim();
    if (!reason) throw new YamlShapeError(`${at}: every override needs a reason`);
    const testIds = intListAt(m.test_ids, `${at}.test_ids`, false);
    const stageIds = intListAt(m.stage_ids, `${at}.stage_ids`, false);
    return {
      ruleId,
      reason,
      ...(testIds ? { testIds } : {}),
      ...(stageIds ? { stageIds } : {}),
      ...(m.output !== undefined && m.output !== null ? { output: readOutput(m.output, `${at}.output`) } : {}),
    };
  });
  return makeOverrides(stringAt(meta.engine, `${name}: meta.engine`) ?? '', stringAt(meta.platform, `${name}: meta.platform`) ?? '', entries);
}

/** Overrides from their entries (e.g. after crossing to a worker thread). */
export function makeOverrides(engine: string, platform: string, entries: readonly TestOverride[]): Overrides {
  const byRule = new Map<number, TestOverride[]>();
  for (const e of entries) {
    const list = byRule.get(e.ruleId) ?? [];
    list.push(e);
    byRule.set(e.ruleId, list);
  }
  return {
    engine,
    platform,
    entries,
    find(r) {
      let found: TestOverride | undefined;
      for (const e of byRule.get(r.ruleId) ?? []) {
        if (e.testIds && !e.testIds.includes(r.testId)) continue;
        if (e.stageIds && !e.stageIds.includes(r.stageIndex)) continue;
        found = e;
      }
      return found;
    },
  };
}

export function loadOverrides(file: string): Overrides {
  return parseOverrides(fs.readFileSync(file, 'utf8'), file);
}

/** Our own overrides file (src/waf/ftw/overrides.yaml), found from the source or the build. */
export function defaultOverridesFile(): string | undefined {
  const candidates = [
    new URL('./overrides.yaml', import.meta.url),
    // dist/src/waf/ftw/*.js → src/waf/ftw/overrides.yaml
    new URL('../../../../src/waf/ftw/overrides.yaml', import.meta.url),
  ];
  for (const c of candidates) if (fs.existsSync(c)) return fileURLToPath(c);
  return undefined;
}
