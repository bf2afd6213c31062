// The path normalisation behind t:normalizePath and t:normalizePathWin, following ModSecurity
// v3's normalize_path_inplace() step for step, because its results on odd input are part of what
// rules see:
// - "//" collapses to "/", "/./" to "/", "seg/../" removes the segment;
// - an absolute path never climbs above "/" ("/../x" is "/x");
// - a relative path keeps the ".." it cannot resolve ("../a", "a/../../b" is "../b") and loses a
//   leading "./" or a leading slash run left after resolving ("./x" is "x");
// - a trailing "/." or "/.." is resolved too, and a trailing slash is kept only if the input
//   had one ("a/b/." is "a/b", "a/b/./" is "a/b/");
// - a ".." is recognised by looking only at the byte already written before it, so "x../"
//   counts as a back-reference too (as in ModSecurity).
// The Windows flavour first turns backslashes into slashes, and also collapses runs of mixed
// separators. It converts only the current and the next byte on each step, so inside a run of
// three or more backslashes one of them can survive (as in ModSecurity).
import { bufferWith, bytesToString, unlessSame } from './output-buffer.js';

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const DOT = 0x2e;

/** Normalises `value` as a Unix (win = false) or Windows (win = true) path. */
export function normalizePathValue(value: string, win: boolean): string {
  const n = value.length;
  if (n === 0) return value;
  const buf = bufferWith(value);
  const end = n - 1;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(end);
  const relative = !(first === SLASH || (win && first === BACKSLASH));
  const trailing = last === SLASH || (win && last === BACKSLASH);
  let hitRoot = false;
  let done = false;
  let src = 0;
  let dst = 0;

  while (!done && src <= end && dst <= end) {
    if (win) {
      if (buf[src] === BACKSLASH) buf[src] = SLASH;
      if (src < end && buf[src + 1] === BACKSLASH) buf[src + 1] = SLASH;
    }
    // Segments are normalised where they end: at a slash, or at the end of the input.
    let atSegmentEnd = true;
    if (src === end) done = true;
    else if (buf[src + 1] !== SLASH) atSegmentEnd = false;

    let skipCopy = false;
    if (atSegmentEnd) {
      const c = buf[src];
      if (src !== end && c === SLASH) {
        // An empty segment: the copy below collapses the slash run.
      } else if (c === DOT) {
        if (dst > 0 && buf[dst - 1] === DOT) {
          // "..": a back-reference.
          if (relative && (hitRoot || dst <= 2)) {
            // Nothing to remove in a relative path: keep the ".." as it is.
            hitRoot = true;
          } else {
            dst -= 3;
            while (dst > 0 && buf[dst] !== SLASH) dst--;
            if (dst <= 0) {
              hitRoot = true;
              dst = 0;
              // An absolute path that ends on a back-reference keeps its root slash.
              if (!relative && src === end) dst++;
            }
            if (done) skipCopy = true;
            else src++;
          }
        } else if (dst === 0) {
          // "./" at the start of a relative path.
          if (done) skipCopy = true;
          else src++;
        } else if (buf[dst - 1] === SLASH) {
          // "/./": a self-reference.
          if (done) {
            skipCopy = true;
          } else {
            dst--;
            src++;
          }
        }
      } else if (dst > 0) {
        hitRoot = false;
      }
    }

    if (skipCopy) continue;
    if (buf[src] === SLASH) {
      // Copy only the last slash of a run.
      while (src < end && (buf[src + 1] === SLASH || (win && buf[src + 1] === BACKSLASH))) src++;
      if (relative && dst === 0) {
        // A relative path does not start with a slash.
        src++;
        continue;
      }
    }
    buf[dst++] = buf[src++] ?? 0;
  }

  if (!trailing && dst > 0 && buf[dst - 1] === SLASH) dst--;
  return unlessSame(value, bytesToString(buf, dst));
}
