// The phrase list of an @pm parameter, read as libmodsecurity's parse_pm_content does: leading
// spaces/tabs skipped; one pair of enclosing double quotes removed; |hex| runs give bytes
// ("|0d 0a|" is NOT accepted: a space inside |...| makes the whole parameter be taken as
// written); \: \; \\ \" escape those characters (any other escape also means "as written"); then
// the text is split at C whitespace. Bytes from |20| etc. split too, as the split comes last.

const isCSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const hexValue = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
};

/** The parameter after quotes, hex runs and escapes; the raw parameter when they are invalid. */
export function decodePmParam(param: string): string {
  let offset = 0;
  while (offset < param.length && (param.charCodeAt(offset) === 0x20 || param.charCodeAt(offset) === 0x09)) offset++;
  if (offset === param.length) return param;
  let end = param.length;
  if (end - offset >= 2 && param.charCodeAt(offset) === 0x22 && param.charCodeAt(end - 1) === 0x22) {
    offset++;
    end--;
  }
  if (end === offset) return param;
  let out = '';
  let bin = false;
  let esc = false;
  let pending = -1;
  for (let i = offset; i < end; i++) {
    const c = param.charCodeAt(i);
    // The order of these tests is libmodsecurity's: "|" toggles hex mode even after a "\".
    if (c === 0x7c /* | */) {
      bin = !bin;
    } else if (!esc && c === 0x5c /* \ */) {
      esc = true;
    } else if (bin) {
      const h = hexValue(c);
      if (h < 0) return param;
      if (pending < 0) {
        pending = h;
      } else {
        out += String.fromCharCode(pending * 16 + h);
        pending = -1;
      }
    } else if (esc) {
      if (c !== 0x3a && c !== 0x3b && c !== 0x5c && c !== 0x22) return param;
      out += String.fromCharCode(c);
      esc = false;
    } else {
      out += String.fromCharCode(c);
    }
  }
  return out;
}

/** The phrases of an @pm parameter. */
export function pmPhrases(param: string): string[] {
  const text = decodePmParam(param);
  const phrases: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const space = i === text.length || isCSpace(text.charCodeAt(i));
    if (space) {
      if (start >= 0) phrases.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  return phrases;
}
