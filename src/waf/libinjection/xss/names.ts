// Which tag and attribute names are dangerous. Names are matched the way old browsers read them:
// ASCII case-insensitively and with embedded NULs ignored ("ScR\0iPt" is "script"). The lists
// are compiled once into a trie over a small alphabet, so a lookup walks the name once, stops at
// the first byte no listed name has there, and allocates nothing.

/** What an attribute's value must be checked for. */
export const Attr = {
  None: 0,
  /** Dangerous whatever the value: event handlers, namespaces, srcdoc, … */
  Black: 1,
  /** The value is a URL: dangerous when its scheme runs script. */
  Url: 2,
  /** The value is CSS: dangerous when it carries script-capable constructs. */
  Style: 3,
  /** The value names another attribute (SVG animation): dangerous when that one is. */
  Indirect: 4,
} as const;
export type AttrKind = (typeof Attr)[keyof typeof Attr];

// Tags that run script, load active content or a document, or change how the page around them is
// parsed or resolved, by themselves — no attribute needed.
const BLACK_TAGS = [
  'script', // runs script
  'iframe', 'frame', 'frameset', // load a document (javascript:/data: src, srcdoc)
  'object', 'embed', 'applet', // plugins and active content
  'base', // re-bases every relative URL of the page
  'style', 'link', // style sheets: CSS expressions, behaviours, bindings, imports, exfiltration
  'meta', // refresh to a javascript: URL, charset switching
  'bgsound', 'layer', 'ilayer', // old IE/Netscape elements that load URLs
  'isindex', // old form element with action= and image type
  'import', // IE <import implementation=…> (HTML+TIME behaviours)
  'comment', // IE parsed markup inside <comment> differently from other browsers
  'xml', // IE XML data islands
  'vmlframe', // IE VML frame
  'handler', 'listener', // SVG Tiny / Opera script handlers
  'noscript', 'noembed', 'noframes', 'xmp', // raw-text elements behind mutation-XSS parser tricks
  'xss', // the conventional probe tag of XSS payloads
] as const;

// Tag name prefixes: every SVG element (svg, svg:svg, …) can carry script; every XSLT element
// runs a transformation; xml… covers <xml:namespace> and friends.
const BLACK_TAG_PREFIXES = ['svg', 'xsl', 'xml'] as const;

// Attributes by what their value can do. Event handlers (on…) are recognised by shape, see
// isEventHandlerName.
const ATTRS: ReadonlyArray<readonly [string, AttrKind]> = [
  ['formaction', Attr.Black], // retargets the form to any URL, javascript: included
  ['srcdoc', Attr.Black], // an iframe's whole document, inline
  ['fscommand', Attr.Black], // Flash/IE script bridge
  ['seeksegmenttime', Attr.Black], // IE HTML+TIME
  ['datasrc', Attr.Black], ['datafld', Attr.Black], ['dataformatas', Attr.Black], // IE data binding
  ['href', Attr.Url], ['src', Attr.Url], ['action', Attr.Url], ['data', Attr.Url],
  ['background', Attr.Url], ['dynsrc', Attr.Url], ['lowsrc', Attr.Url], ['poster', Attr.Url],
  ['codebase', Attr.Url], ['folder', Attr.Url], ['handler', Attr.Url],
  ['from', Attr.Url], ['to', Attr.Url], ['by', Attr.Url], ['values', Attr.Url], // SVG animation values
  ['style', Attr.Style],
  ['attributename', Attr.Indirect], // SVG <set attributeName=onclick to=…>
];

// xmlns… declares namespaces (turns <x:script> into a script), xlink… is SVG's linking.
const BLACK_ATTR_PREFIXES = ['xmlns', 'xlink'] as const;

// The trie's alphabet: letters fold to 1..26; digits, '-', ':' and '_' follow; any other byte
// ends the walk (no listed name contains it); NUL is skipped.
const SKIP = -1;
const ALPHABET = 40;
const CLASS = buildClasses();

function buildClasses(): Int8Array {
  const t = new Int8Array(256);
  for (let i = 0; i < 26; i++) {
    t[0x41 + i] = i + 1;
    t[0x61 + i] = i + 1;
  }
  for (let i = 0; i < 10; i++) t[0x30 + i] = 27 + i;
  t[0x2d] = 37;
  t[0x3a] = 38;
  t[0x5f] = 39;
  t[0] = SKIP;
  return t;
}

/** A set of names mapped to a small positive kind; prefixes match any name that starts with them. */
class NameTrie {
  private readonly next: Int32Array;
  private readonly exact: Uint8Array;
  private readonly prefix: Uint8Array;
  private size = 1;

  constructor(words: ReadonlyArray<readonly [string, number]>, prefixes: ReadonlyArray<readonly [string, number]>) {
    let capacity = 1;
    for (const [w] of words) capacity += w.length;
    for (const [w] of prefixes) capacity += w.length;
    this.next = new Int32Array(capacity * ALPHABET);
    this.exact = new Uint8Array(capacity);
    this.prefix = new Uint8Array(capacity);
    for (const [w, kind] of words) this.exact[this.insert(w)] = kind;
    for (const [w, kind] of prefixes) this.prefix[this.insert(w)] = kind;
  }

  private insert(word: string): number {
    let node = 0;
    for (let i = 0; i < word.length; i++) {
      const k = CLASS[word.charCodeAt(i)] ?? 0;
      if (k <= 0) throw new Error(`name table: unsupported character in ${word}`);
      const slot = node * ALPHABET + k;
      let child = this.next[slot] ?? 0;
      if (child === 0) {
        child = this.size++;
        this.next[slot] = child;
      }
      node = child;
    }
    return node;
  }

  /** The kind of s[start, end), 0 when it is not listed. */
  lookup(s: string, start: number, end: number): number {
    let node = 0;
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      const k = c < 256 ? (CLASS[c] ?? 0) : 0;
      if (k === SKIP) continue;
      if (k === 0) return 0;
      node = this.next[node * ALPHABET + k] ?? 0;
      if (node === 0) return 0; // the root is never a child, so 0 means "no such edge"
      const p = this.prefix[node] ?? 0;
      if (p !== 0) return p;
    }
    return this.exact[node] ?? 0;
  }
}

const TAGS = new NameTrie(
  BLACK_TAGS.map((t) => [t, 1] as const),
  BLACK_TAG_PREFIXES.map((t) => [t, 1] as const),
);
const ATTR_NAMES = new NameTrie(ATTRS, BLACK_ATTR_PREFIXES.map((a) => [a, Attr.Black] as const));

/** Position just after the last ':' in s[start, end), or -1 (namespace prefix, "x:script"). */
function localNameStart(s: string, start: number, end: number): number {
  for (let i = end - 1; i >= start; i--) {
    if (s.charCodeAt(i) === 0x3a) return i + 1;
  }
  return -1;
}

/** True for a start tag name that is dangerous by itself; "x:script" is judged by "script" too. */
export function isBlackTag(s: string, start: number, end: number): boolean {
  if (TAGS.lookup(s, start, end) !== 0) return true;
  const local = localNameStart(s, start, end);
  return local > start && local < end && TAGS.lookup(s, local, end) !== 0;
}

function isNameChar(c: number): boolean {
  const l = c | 0x20;
  return (l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x3a || c === 0x2e;
}

/**
 * An event handler attribute: "on" and at least three more letters (NULs ignored). Any such name,
 * not just the events some browser knows today: new events keep appearing, and "onbeforeanything"
 * in user input is a probe either way. After the letters may come bytes that are no part of a
 * name (old Gecko ended the name there: `onload!#$%=…`), but not more name characters
 * ("online-status", "on_click", "onload2" are not handlers).
 */
export function isEventHandlerName(s: string, start: number, end: number): boolean {
  let seen = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) continue;
    const lower = c | 0x20;
    if (seen === 0) {
      if (lower !== 0x6f) return false; // o
    } else if (seen === 1) {
      if (lower !== 0x6e) return false; // n
    } else if (c >= 0x80 || (lower - 0x61) >>> 0 >= 26) {
      return seen >= 5 && !isNameChar(c);
    }
    seen++;
  }
  return seen >= 5;
}

/** How the value of the attribute named s[start, end) must be judged. */
export function attrKind(s: string, start: number, end: number): AttrKind {
  if (isEventHandlerName(s, start, end)) return Attr.Black;
  const kind = ATTR_NAMES.lookup(s, start, end) as AttrKind;
  if (kind !== Attr.None) return kind;
  // A namespaced URL attribute ("xl:href" with a custom prefix) is still a URL.
  const local = localNameStart(s, start, end);
  if (local > start && local < end && ATTR_NAMES.lookup(s, local, end) === Attr.Url) return Attr.Url;
  return Attr.None;
}
