// ${ENV_VAR} interpolation for secrets and per-environment values. It runs on parsed string values
// (never on the YAML text), so an environment value can't inject YAML structure.
//   ${NAME}           the variable; an error when unset
//   ${NAME:-default}  the default when unset or empty
//   $${               a literal "${"
import type { ConfigPath, ConfigProblem } from './problems.js';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;

function interpolateString(
  text: string,
  env: NodeJS.ProcessEnv,
  path: ConfigPath,
  problems: ConfigProblem[],
): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return '${';
    if (name === undefined) {
      problems.push({ path, message: `invalid variable reference ${whole}: use \${NAME} or \${NAME:-default}` });
      return whole;
    }
    const value = env[name];
    if (value !== undefined && (value !== '' || fallback === undefined)) return value;
    if (fallback !== undefined) return fallback;
    problems.push({ path, message: `environment variable ${name} is not set` });
    return whole;
  });
}

/** Returns a copy of `value` with every string interpolated; problems are appended. */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
  path: ConfigPath = [],
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path, problems);
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, problems, [...path, k]);
    return out;
  }
  return value;
}
