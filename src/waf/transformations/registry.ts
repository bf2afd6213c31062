// LOCAL STUB (not committed): replaced by the real registry on merge.
import type { Transformation } from './transformation.js';
const lower: Transformation = { name: 'lowercase', transform: (v) => { const l = v.toLowerCase(); return l === v ? v : l; } };
const map = new Map<string, Transformation>([['lowercase', lower]]);
export function getTransformation(name: string): Transformation | undefined {
  const t = map.get(name.toLowerCase());
  if (t) return t;
  return { name, transform: (v) => v };
}
export const TRANSFORMATION_NAMES: readonly string[] = [];
