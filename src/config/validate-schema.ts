// Structural validation against the JSON Schema (ajv), with ajv's errors turned into one readable
// line per problem: unknown keys named, union failures collapsed into the schema's own message.
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigSchema } from './schema.js';
import type { ConfigPath, ConfigProblem } from './problems.js';

// verbose: errors carry their schema, whose errorMessage is the text we show.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
// Annotation-only keyword: the message shown when a value fails a union or a pattern.
ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
const validate = ajv.compile(ConfigSchema);

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^(0|[1-9][0-9]*)$/.test(p) ? Number(p) : p));
}

function schemaMessage(error: ErrorObject): string | undefined {
  const schema = error.parentSchema as { errorMessage?: unknown } | undefined;
  return typeof schema?.errorMessage === 'string' ? schema.errorMessage : undefined;
}

export function validateSchema(value: unknown): ConfigProblem[] {
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // Where a union (anyOf) failed, its branches' own errors are noise: report the union once.
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && unionPaths.has(e.instancePath)) continue;
    let path: ConfigPath = pointerToPath(e.instancePath);
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        path = [...path, key];
        message = 'unknown key';
        break;
      }
      case 'required':
        path = [...path, (e.params as { missingProperty: string }).missingProperty];
        message = 'is required';
        break;
      case 'enum':
        message = `must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues).map(String).join(', ')}`;
        break;
      case 'anyOf':
      case 'pattern':
        message = schemaMessage(e) ?? (e.keyword === 'pattern' ? 'has an invalid format' : (e.message ?? 'is invalid'));
        break;
      case 'propertyNames':
        continue; // reported through the nested pattern error
      case 'type':
        message = `must be ${(e.params as { type: string }).type === 'integer' ? 'a whole number' : `a ${String((e.params as { type: string }).type)}`}`;
        break;
      default:
        message = e.message ?? 'is invalid';
    }
    const key = `${JSON.stringify(path)} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message });
  }
  return problems;
}
