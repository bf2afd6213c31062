// YAML as go-ftw's decoder (yaml.v3/v4 into typed Go structs) sees it: every scalar keeps its
// text (a header value `0` or `0x1F` is the string "0"/"0x1F", not a number), null is null, and
// the typed readers below convert where the schema has numbers or booleans, failing as Go's
// decoder would fail (the whole file is then unreadable).
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';

export type Plain = string | null | readonly Plain[] | { readonly [key: string]: Plain };

export class YamlShapeError extends Error {
  override name = 'YamlShapeError';
}

function toPlain(node: unknown, doc: Document, depth: number): Plain {
  if (depth > 64) throw new YamlShapeError('nesting too deep');
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toPlain(node.resolve(doc), doc, depth + 1);
  if (isScalar(node)) {
    if (node.value === null || node.value === undefined) return null;
    if (typeof node.value === 'string') return node.value;
    // A plain scalar the core schema typed (int, float, bool): its source text, as Go keeps it.
    const v = node.value;
    return node.source ?? (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '');
  }
  if (isSeq(node)) return node.items.map((n) => toPlain(n, doc, depth + 1));
  if (isMap(node)) {
    // No prototype: a key such as "__proto__" is data here.
    const out = Object.create(null) as Record<string, Plain>;
    for (const pair of node.items) {
      const k = toPlain(pair.key, doc, depth + 1);
      if (k !== null && typeof k !== 'string') throw new YamlShapeError('a mapping key is not a scalar');
      out[k ?? ''] = toPlain(pair.value, doc, depth + 1);
    }
    return out;
  }
  throw new YamlShapeError('unexpected YAML node');
}

/**
 * Parses the first document (Go's yaml.Unmarshal reads only that one). Returns null for an empty
 * or commented-out file. Throws YamlShapeError with the parser's messages on a syntax error.
 */
export function parsePlainYaml(text: string): Plain {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return null; // an empty stream
  const doc = docs[0];
  if (!doc) return null;
  if (doc.errors.length > 0) throw new YamlShapeError(doc.errors.map((e) => e.message.split('\n')[0]).join('; '));
  return toPlain(doc.contents, doc, 0);
}

// -------------------------------------------------------------------------------------------------
// Typed readers. `at` is the path for messages, e.g. "tests[2].stages[0].input.port".

export type PlainMap = { readonly [key: string]: Plain };

export function isPlainMap(v: Plain | undefined): v is PlainMap {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

const describe = (v: Plain): string => (v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : Array.isArray(v) ? 'a list' : 'a mapping');

export function mapAt(v: Plain | undefined, at: string): PlainMap | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isPlainMap(v)) throw new YamlShapeError(`${at}: expected a mapping, got ${describe(v)}`);
  return v;
}

export function listAt(v: Plain | undefined, at: string): readonly Plain[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new YamlShapeError(`${at}: expected a list, got ${describe(v)}`);
  return v as readonly Plain[];
}

/** A string field (a Go string accepts any scalar's text). */
export function stringAt(v: Plain | undefined, at: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new YamlShapeError(`${at}: expected a string, got ${describe(v)}`);
  return v;
}

/** An integer as yaml.v3 resolves one (decimal, 0x, 0o, underscores), range-checked. */
export function intAt(v: Plain | undefined, at: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const s = stringAt(v, at);
  if (s === undefined) return undefined;
  const t = s.replace(/_/g, '');
  let n: number;
  if (/^[-+]?[0-9]+$/.test(t)) n = Number(t);
  else if (/^0x[0-9a-fA-F]+$/.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^0o[0-7]+$/.test(t)) n = parseInt(t.slice(2), 8);
  else throw new YamlShapeError(`${at}: expected a whole number, got ${describe(s)}`);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new YamlShapeError(`${at}: ${s} is out of range`);
  return n;
}

/** A boolean as yaml.v3 decodes into a bool (YAML 1.1 words included). */
export function boolAt(v: Plain | undefined, at: string): boolean | undefined {
  const s = stringAt(v, at);
  if (s === undefined) return undefined;
  if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON|y|Y)$/.test(s)) return true;
  if (/^(false|False|FALSE|no|No|NO|off|Off|OFF|n|N)$/.test(s)) return false;
  throw new YamlShapeError(`${at}: expected true or false, got ${describe(s)}`);
}

/** A list of whole numbers (or, where the legacy format allowed it, one number). */
export function intListAt(v: Plain | undefined, at: string, allowScalar: boolean): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    if (!allowScalar) throw new YamlShapeError(`${at}: expected a list of numbers, got ${describe(v)}`);
    return [intAt(v, at)!];
  }
  const list = listAt(v, at)!;
  return list.map((item, i) => {
    const n = intAt(item, `${at}[${i}]`);
    if (n === undefined) throw new YamlShapeError(`${at}[${i}]: expected a number, got null`);
    return n;
  });
}

/** A map of string to string (header maps); null values become "" as Go leaves them. */
export function stringMapAt(v: Plain | undefined, at: string): Array<[string, string]> | undefined {
  const m = mapAt(v, at);
  if (!m) return undefined;
  return Object.entries(m).map(([k, val]) => [k, stringAt(val, `${at}.${k}`) ?? '']);
}
