// Loading a configuration: YAML file → ${ENV} interpolation → quick flags merged (flags win) →
// schema validation → resolution (defaults, references, certificates). Every problem of every
// stage is reported at once with its path and, when it came from the file, its line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { interpolateEnv } from './interpolate.js';
import { ConfigError, type ConfigProblem } from './problems.js';
import { resolveConfig } from './resolve.js';
import type { Config } from './schema.js';
import type { GatewaySettings } from './settings.js';
import { parseAddress } from './units.js';
import { validateSchema } from './validate-schema.js';

/** The `serve` command's quick flags; each replaces its part of the file. */
export interface QuickFlags {
  readonly listen?: string;
  readonly upstream?: string;
  readonly admin?: string;
  readonly data?: string;
  readonly workers?: string;
  /** WAF mode: block, detect or off. */
  readonly waf?: string;
  /** CRS directory, "auto" or "none". */
  readonly crs?: string;
  readonly paranoia?: string;
}

export interface LoadOptions {
  readonly file?: string;
  readonly flags?: QuickFlags;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface LoadedConfig {
  /** The file's configuration with flags merged, as validated (no defaults). */
  readonly config: Config;
  readonly settings: GatewaySettings;
  readonly warnings: readonly ConfigProblem[];
  readonly file?: string;
}

function flagProblems(flags: QuickFlags): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const flag = (name: string, message: string) => problems.push({ path: [`--${name}`], message });
  if (flags.listen !== undefined) {
    try {
      parseAddress(flags.listen);
    } catch {
      flag('listen', `"${flags.listen}" must be HOST:PORT, e.g. 127.0.0.1:8080`);
    }
  }
  if (flags.admin !== undefined) {
    try {
      parseAddress(flags.admin);
    } catch {
      flag('admin', `"${flags.admin}" must be HOST:PORT, e.g. 127.0.0.1:9901`);
    }
  }
  if (flags.upstream !== undefined) {
    let ok: boolean;
    try {
      const u = new URL(flags.upstream);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && (u.pathname === '/' || u.pathname === '');
    } catch {
      ok = false;
    }
    if (!ok) flag('upstream', `"${flags.upstream}" must be an origin URL such as http://127.0.0.1:3000`);
  }
  if (flags.workers !== undefined && flags.workers !== 'auto' && !/^[1-9][0-9]{0,2}$/.test(flags.workers)) {
    flag('workers', `"${flags.workers}" must be a number of worker processes (1-256) or "auto"`);
  }
  if (flags.data !== undefined && flags.data.trim() === '') flag('data', 'must be a directory');
  if (flags.waf !== undefined && !['block', 'detect', 'off'].includes(flags.waf)) flag('waf', `"${flags.waf}" must be block, detect or off`);
  if (flags.paranoia !== undefined && !/^[1-4]$/.test(flags.paranoia)) flag('paranoia', `"${flags.paranoia}" must be a paranoia level, 1 to 4`);
  if (flags.crs !== undefined && flags.crs.trim() === '') flag('crs', 'must be a directory, "auto" or "none"');
  return problems;
}

/** Applies the quick flags over the file's values; flags win. */
function mergeFlags(raw: Record<string, unknown>, flags: QuickFlags): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if (flags.listen !== undefined) out.listeners = [{ address: flags.listen }];
  if (flags.admin !== undefined) out.admin = { address: flags.admin };
  if (flags.data !== undefined) out.dataDir = flags.data;
  if (flags.workers !== undefined) out.workers = flags.workers === 'auto' ? 'auto' : Number(flags.workers);
  if (flags.waf !== undefined || flags.crs !== undefined || flags.paranoia !== undefined) {
    const previous = out.waf !== null && typeof out.waf === 'object' ? (out.waf as Record<string, unknown>) : {};
    out.waf = {
      ...previous,
      ...(flags.waf !== undefined ? { mode: flags.waf } : {}),
      ...(flags.crs !== undefined ? { crs: flags.crs } : {}),
      ...(flags.paranoia !== undefined ? { paranoia: Number(flags.paranoia) } : {}),
    };
  }
  if (flags.upstream !== undefined) {
    const origin = new URL(flags.upstream).origin;
    const upstreams = { ...((out.upstreams as Record<string, unknown> | undefined) ?? {}) };
    const previous = upstreams.default;
    upstreams.default = { ...(previous !== null && typeof previous === 'object' ? previous : {}), targets: [origin] };
    out.upstreams = upstreams;
    const routes = out.routes as unknown[] | undefined;
    if (!routes || routes.length === 0) out.routes = [{ name: 'default', upstream: 'default' }];
  }
  return out;
}

function lineOf(doc: Document | undefined, counter: LineCounter, problem: ConfigProblem): ConfigProblem {
  if (!doc) return problem;
  // The deepest node of the path that exists in the file (an unknown key's own node, a missing
  // key's parent).
  for (let n = problem.path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(problem.path.slice(0, n), true);
    if (isNode(node) && node.range) {
      return { ...problem, line: counter.linePos(node.range[0]).line };
    }
    if (n > 0) {
      // A map key: find the pair to point at the key itself.
      const parent: unknown = doc.getIn(problem.path.slice(0, n - 1), true);
      if (parent && typeof parent === 'object' && 'items' in parent && Array.isArray(parent.items)) {
        for (const item of parent.items as unknown[]) {
          const key = (item as { key?: unknown }).key;
          if (isNode(key) && (key as { value?: unknown }).value === problem.path[n - 1] && key.range) {
            return { ...problem, line: counter.linePos(key.range[0]).line };
          }
        }
      }
    }
  }
  return problem;
}

/** Loads, validates and resolves; throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const flags = options.flags ?? {};
  const problems: ConfigProblem[] = flagProblems(flags);
  let raw: Record<string, unknown> = {};
  let doc: Document | undefined;
  const counter = new LineCounter();
  const file = options.file ? path.resolve(cwd, options.file) : undefined;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([{ path: [], message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` }], file);
    }
    doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true });
    if (doc.errors.length > 0) {
      throw new ConfigError(
        doc.errors.map((e) => ({
          path: [],
          message: `YAML syntax: ${e.message.split('\n')[0]!.replace(/ at line [0-9]+, column [0-9]+:?$/, '')}`,
          ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}),
        })),
        file,
      );
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) raw = {};
    else if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError([{ path: [], message: 'the file must hold a mapping of settings' }], file);
    } else raw = value as Record<string, unknown>;
  }
  const interpolated = interpolateEnv(raw, env, problems) as Record<string, unknown>;
  // Flags that failed their own check are not merged, so the file's problems still show.
  const merged = problems.length > 0 ? interpolated : mergeFlags(interpolated, flags);
  const reported = new Set(problems.map((p) => JSON.stringify(p.path)));
  problems.push(...validateSchema(merged).filter((p) => !reported.has(JSON.stringify(p.path))));
  if (problems.length > 0) throw new ConfigError(problems.map((p) => lineOf(doc, counter, p)), file);
  const config = merged as Config;
  const resolved = resolveConfig(config, { baseDir: file ? path.dirname(file) : cwd, cwd });
  if (resolved.problems.length > 0) throw new ConfigError(resolved.problems.map((p) => lineOf(doc, counter, p)), file);
  return {
    config,
    settings: resolved.settings,
    warnings: resolved.warnings.map((p) => lineOf(doc, counter, p)),
    ...(file ? { file } : {}),
  };
}
