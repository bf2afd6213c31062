// POSIX bracket classes ([:alpha:] inside [...]) as PCRE defines them for the "C" locale, the
// tables libmodsecurity's PCRE uses (it never calls pcre2_maketables).
import { ByteSet } from './byte-set.js';

const UPPER = ByteSet.range(0x41, 0x5a);
const LOWER = ByteSet.range(0x61, 0x7a);
const DIGIT = ByteSet.range(0x30, 0x39);
const ALPHA = new ByteSet().addSet(UPPER).addSet(LOWER);
const ALNUM = new ByteSet().addSet(ALPHA).addSet(DIGIT);
const GRAPH = ByteSet.range(0x21, 0x7e);

const CLASSES: ReadonlyMap<string, ByteSet> = new Map([
  ['alpha', ALPHA],
  ['lower', LOWER],
  ['upper', UPPER],
  ['alnum', ALNUM],
  ['ascii', ByteSet.range(0x00, 0x7f)],
  ['blank', ByteSet.of(0x09, 0x20)],
  ['cntrl', ByteSet.range(0x00, 0x1f).add(0x7f)],
  ['digit', DIGIT],
  ['graph', GRAPH],
  ['print', ByteSet.range(0x20, 0x7e)],
  ['punct', punctuation()],
  ['space', ByteSet.of(0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20)],
  ['word', new ByteSet().addSet(ALNUM).add(0x5f)],
  ['xdigit', new ByteSet().addSet(DIGIT).addRange(0x41, 0x46).addRange(0x61, 0x66)],
]);

/** Printable, not alphanumeric, not space: ispunct() in the C locale. */
function punctuation(): ByteSet {
  const set = new ByteSet();
  for (let c = 0x21; c <= 0x7e; c++) if (!ALNUM.has(c)) set.add(c);
  return set;
}

/** The bytes of [:name:], or undefined when PCRE does not know the name. */
export function posixClass(name: string): ByteSet | undefined {
  return CLASSES.get(name);
}
