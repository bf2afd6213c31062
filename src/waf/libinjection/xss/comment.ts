// Comments, processing instructions and declarations that a browser (or an XML parser in front of
// one) does not treat as inert text.

/** Case-insensitive match of s at i with a lower-case ASCII word. */
function startsWithFolded(s: string, i: number, end: number, word: string): boolean {
  if (i + word.length > end) return false;
  for (let j = 0; j < word.length; j++) {
    if ((s.charCodeAt(i + j) | 0x20) !== word.charCodeAt(j)) return false;
  }
  return true;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hasQuotingBacktick(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) !== 0x60) continue;
    const next = i + 1 < end ? s.charCodeAt(i + 1) : -1;
    if (next === 0x3d || next === 0x3c) return true; // `= or `<
    let p = i - 1;
    while (p >= start && isSpace(s.charCodeAt(p))) p--;
    if (p >= start && s.charCodeAt(p) === 0x3d) return true; // = `
  }
  return false;
}

/**
 * True when the comment-like token s[start, end) is dangerous:
 * - `<!--[if …]>` and `<![if …]>`: IE conditional comments, whose content IE parsed as markup;
 * - `<?xml-stylesheet …?>`, `<?xml:namespace …>`: XML processing that loads code or switches
 *   namespaces (the plain `<?xml version=…?>` declaration is not flagged);
 * - `<?import …>`: IE HTML+TIME behaviours;
 * - `<!ENTITY …>`: entity definitions (expansion tricks, XXE);
 * - a back-quote used as old IE used it, as an attribute quote (after `=`, or before `=` or
 *   `<`): IE then read the comment's end, and the markup after it, differently. A back-quote
 *   elsewhere (binary data, prose) is not flagged.
 */
export function isDangerousComment(s: string, start: number, end: number): boolean {
  if (hasQuotingBacktick(s, start, end)) return true;
  if (s.charCodeAt(start) === 0x5b) return startsWithFolded(s, start + 1, end, 'if'); // "["
  if (startsWithFolded(s, start, end, 'xml')) {
    // "<?xml" alone or followed by space is the XML declaration; anything else is another PI.
    const next = start + 3 < end ? s.charCodeAt(start + 3) : -1;
    return next !== -1 && !isSpace(next) && next !== 0x3f;
  }
  return startsWithFolded(s, start, end, 'import') || startsWithFolded(s, start, end, 'entity');
}
