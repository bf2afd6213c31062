// Our own XML 1.0 parser: non-validating, bounded, iterative (open elements live in an array, so
// depth never touches the JS stack), with libxml2's well-formedness rules where ModSecurity
// depends on them (a document libxml2 refuses is REQBODY_ERROR there).
//
// Safety rules, on purpose stricter than a general parser:
// - no entity is ever expanded except the five predefined ones and character references; a
//   general entity declared in the DOCTYPE stays in the text as the literal "&name;" (so
//   billion-laughs and external entities cannot happen, and rules still see that one was used);
// - the DOCTYPE is skipped by a linear scan that only remembers declared entity names;
// - nesting deeper than libxml2's default limit (256) is an error, as it is in libxml2.
//
// Input is UTF-8 bytes (xml-encoding.ts) with line ends already normalised to "\n".

import {
  addChild,
  XmlAttributeNode,
  XmlDocumentNode,
  XmlElementNode,
  XmlKind,
  XmlMarkupNode,
  XmlTextNode,
  type XmlChildNode,
  type XmlTree,
} from './xml-nodes.js';
import { utf8Encode } from './xml-encoding.js';

/** libxml2's xmlParserMaxDepth without XML_PARSE_HUGE. */
const MAX_DEPTH = 256;
const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const QUOT = 0x22;
const APOS = 0x27;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const BANG = 0x21;

/** version, then optional encoding and standalone, with XML's own whitespace (no Unicode \s). */
const XML_DECLARATION =
  /^<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]+\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>$/;

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/** Thrown inside the parser only; parseXmlTree turns it into an error result. */
class XmlSyntaxError extends Error {}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Name start: ASCII letters, '_', ':', or any non-ASCII byte (lenient on which code points). */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0x80;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

/** XML 1.0 Char for a code point from a character reference. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function hasAttributeNamed(attributes: readonly XmlAttributeNode[] | null, name: string): boolean {
  if (attributes === null) return false;
  for (const a of attributes) if (a.name === name) return true;
  return false;
}

function namesOf(attributes: readonly XmlAttributeNode[] | null, namespaces: readonly string[] | null): Set<string> {
  const names = new Set<string>(namespaces ?? []);
  for (const a of attributes ?? []) names.add(a.name);
  return names;
}

class XmlParser {
  private pos = 0;
  private readonly len: number;
  private readonly root = new XmlDocumentNode();
  private readonly nodes: (XmlDocumentNode | XmlChildNode)[] = [this.root];
  private readonly open: XmlElementNode[] = [];
  private readonly textParts: string[] = [];
  private textLength = 0;
  /** The text node that character data currently goes into, if the last thing was text. */
  private currentText: XmlTextNode | null = null;
  private order = 1;
  private sawRoot = false;
  private sawDoctype = false;
  private readonly declaredEntities = new Set<string>();
  /** With an external DTD subset or parameter entities, libxml2 cannot know all entities. */
  private entitiesUnknowable = false;

  constructor(private readonly src: string) {
    this.len = src.length;
  }

  private fail(message: string): never {
    throw new XmlSyntaxError(message);
  }

  private code(at = 0): number {
    return this.src.charCodeAt(this.pos + at);
  }

  private startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  private skipSpaces(): boolean {
    const from = this.pos;
    while (this.pos < this.len && isSpace(this.src.charCodeAt(this.pos))) this.pos++;
    return this.pos > from;
  }

  private name(): string {
    const start = this.pos;
    if (!isNameStart(this.code())) return '';
    this.pos++;
    while (this.pos < this.len && isNameChar(this.src.charCodeAt(this.pos))) this.pos++;
    return this.src.slice(start, this.pos);
  }

  /** Fails on a character XML forbids (C0 controls other than tab and line feed). */
  private checkChars(start: number, end: number, what: string): void {
    for (let i = start; i < end; i++) {
      const c = this.src.charCodeAt(i);
      if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) this.fail(`${what} invalid Char value ${c}`);
    }
  }

  private parent(): XmlElementNode | XmlDocumentNode {
    return this.open[this.open.length - 1] ?? this.root;
  }

  parse(): XmlTree {
    if (this.startsWith('<?xml') && isSpace(this.code(5))) this.xmlDeclaration();
    while (this.pos < this.len) {
      if (this.code() === LT) this.markup();
      else if (this.open.length === 0) this.outsideRoot();
      else if (this.code() === AMP) this.appendText(this.reference());
      else this.characterData();
    }
    if (this.open.length > 0) this.fail(`Premature end of data in tag ${this.open[this.open.length - 1]?.name ?? ''}`);
    if (!this.sawRoot) this.fail(this.len === 0 ? 'Document is empty' : 'Start tag expected, \'<\' not found');
    const text = this.textParts.join('');
    this.root.textEnd = text.length;
    this.root.end = this.nodes.length;
    return { root: this.root, nodes: this.nodes, text };
  }

  private xmlDeclaration(): void {
    const end = this.src.indexOf('?>', this.pos);
    if (end === -1) this.fail('parsing XML declaration: \'?>\' expected');
    const decl = this.src.slice(this.pos, end + 2);
    const ok = XML_DECLARATION.test(decl);
    if (!ok) this.fail('Malformed XML declaration');
    this.pos = end + 2;
  }

  /** Outside the root element only whitespace may appear between markup. */
  private outsideRoot(): void {
    if (this.skipSpaces()) return;
    this.fail(this.sawRoot ? 'Extra content at the end of the document' : "Start tag expected, '<' not found");
  }

  private markup(): void {
    const next = this.code(1);
    if (next === SLASH) this.endTag();
    else if (next === QUESTION) this.processingInstruction();
    else if (next !== BANG) this.startTag();
    else if (this.startsWith('<!--')) this.comment();
    else if (this.startsWith('<![CDATA[')) this.cdata();
    else if (this.startsWith('<!DOCTYPE')) this.doctype();
    else this.fail('StartTag: invalid element name');
  }

  private appendText(s: string): void {
    if (s.length === 0) return;
    let node = this.currentText;
    if (node === null) {
      const parent = this.open[this.open.length - 1];
      if (parent === undefined) return; // cannot happen: text is only read inside the root
      node = new XmlTextNode(parent, this.order++, this.nodes.length, this.textLength);
      this.nodes.push(node);
      addChild(parent, node);
      this.currentText = node;
    }
    this.textParts.push(s);
    this.textLength += s.length;
    node.textEnd = this.textLength;
  }

  private characterData(): void {
    const start = this.pos;
    let i = start;
    const src = this.src;
    for (; i < this.len; i++) {
      const c = src.charCodeAt(i);
      if (c === LT || c === AMP) break;
      if (c < 0x20 && c !== 0x09 && c !== 0x0a) this.fail(`PCDATA invalid Char value ${c}`);
      if (c === 0x5d && src.charCodeAt(i + 1) === 0x5d && src.charCodeAt(i + 2) === GT) {
        this.fail("Sequence ']]>' not allowed in content");
      }
    }
    this.pos = i;
    this.appendText(src.slice(start, i));
  }

  private startTag(): void {
    this.pos++;
    const name = this.name();
    if (name === '') this.fail('StartTag: invalid element name');
    if (this.open.length > MAX_DEPTH) this.fail(`Excessive depth in document: ${MAX_DEPTH} use XML_PARSE_HUGE option`);
    if (this.open.length === 0) {
      if (this.sawRoot) this.fail('Extra content at the end of the document');
      this.sawRoot = true;
    }
    const parent = this.parent();
    const element = new XmlElementNode(name, parent, this.order++, this.nodes.length, this.textLength);
    this.nodes.push(element);
    addChild(parent, element);
    this.currentText = null;
    const empty = this.attributes(element);
    if (empty) this.closeElement(element);
    else this.open.push(element);
  }

  /** Reads the attributes up to '>' or '/>'; returns whether the element is empty. */
  private attributes(element: XmlElementNode): boolean {
    let attributes: XmlAttributeNode[] | null = null;
    let namespaces: string[] | null = null; // xmlns names, which are not attribute nodes
    let seen: Set<string> | null = null;
    let count = 0;
    for (;;) {
      const spaced = this.skipSpaces();
      const c = this.code();
      if (c === GT) {
        this.pos++;
        break;
      }
      if (c === SLASH && this.code(1) === GT) {
        this.pos += 2;
        if (attributes !== null) element.attributes = attributes;
        return true;
      }
      if (this.pos >= this.len) this.fail(`Couldn't find end of Start Tag ${element.name}`);
      if (!spaced) this.fail('attributes construct error');
      const name = this.name();
      if (name === '') this.fail('attributes construct error');
      this.skipSpaces();
      if (this.code() !== 0x3d) this.fail(`Specification mandates value for attribute ${name}`);
      this.pos++;
      this.skipSpaces();
      const value = this.attributeValue();
      // Duplicate names: a linear scan while there are few, a set after that.
      if (seen === null && count >= 16) seen = namesOf(attributes, namespaces);
      const duplicate = seen !== null ? seen.has(name) : hasAttributeNamed(attributes, name) || (namespaces?.includes(name) ?? false);
      if (duplicate) this.fail(`Attribute ${name} redefined`);
      seen?.add(name);
      count++;
      // Namespace declarations are not attributes for libxml2 (so not for XML://@* either).
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        namespaces ??= [];
        namespaces.push(name);
      } else {
        attributes ??= [];
        attributes.push(new XmlAttributeNode(name, value, element, this.order++));
      }
    }
    if (attributes !== null) element.attributes = attributes;
    return false;
  }

  /** A quoted attribute value, normalised as XML says for CDATA attributes. */
  private attributeValue(): string {
    const quote = this.code();
    if (quote !== QUOT && quote !== APOS) this.fail('AttValue: " or \' expected');
    this.pos++;
    const src = this.src;
    let out = '';
    let from = this.pos;
    for (;;) {
      if (this.pos >= this.len) this.fail('AttValue: \' expected');
      const c = src.charCodeAt(this.pos);
      if (c === quote) break;
      if (c === LT) this.fail("Unescaped '<' not allowed in attributes values");
      if (c === AMP) {
        out += src.slice(from, this.pos) + this.reference();
        from = this.pos;
        continue;
      }
      if (c === 0x09 || c === 0x0a) {
        out += src.slice(from, this.pos) + ' ';
        from = this.pos + 1;
      } else if (c < 0x20) {
        this.fail(`invalid Char value ${c} in attribute value`);
      }
      this.pos++;
    }
    out += src.slice(from, this.pos);
    this.pos++;
    return out;
  }

  /** '&...;' at pos: the text it stands for (bytes); pos ends after the ';'. */
  private reference(): string {
    this.pos++;
    if (this.code() === 0x23) return this.charReference();
    const name = this.name();
    if (name === '') this.fail('xmlParseEntityRef: no name');
    if (this.code() !== 0x3b) this.fail(`EntityRef: expecting ';'`);
    this.pos++;
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    if (!this.declaredEntities.has(name) && !this.entitiesUnknowable) this.fail(`Entity '${name}' not defined`);
    // Declared (or possibly declared) but never expanded: the reference stays visible as written.
    return '&' + name + ';';
  }

  /** '#' at pos: &#N; or &#xH;. */
  private charReference(): string {
    this.pos++;
    const hex = this.code() === 0x78;
    if (hex) this.pos++;
    const start = this.pos;
    let value = 0;
    for (;;) {
      const c = this.code();
      let digit: number;
      if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
      else if (hex && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) digit = (c | 0x20) - 0x57;
      else break;
      value = Math.min(value * (hex ? 16 : 10) + digit, 0x110000); // anything above is invalid anyway
      this.pos++;
    }
    if (this.pos === start || this.code() !== 0x3b) this.fail('xmlParseCharRef: invalid character reference');
    this.pos++;
    if (!isXmlChar(value)) this.fail(`xmlParseCharRef: invalid xmlChar value ${value}`);
    return utf8Encode(value);
  }

  private endTag(): void {
    this.pos += 2;
    const name = this.name();
    this.skipSpaces();
    if (this.code() !== GT) this.fail("expected '>'");
    this.pos++;
    const element = this.open.pop();
    if (element === undefined) this.fail(this.sawRoot ? 'Extra content at the end of the document' : "Start tag expected, '<' not found");
    if (element.name !== name) this.fail(`Opening and ending tag mismatch: ${element.name} and ${name}`);
    this.closeElement(element);
  }

  private closeElement(element: XmlElementNode): void {
    element.textEnd = this.textLength;
    element.end = this.nodes.length;
    this.currentText = null;
  }

  private markupNode(kind: XmlKind.Comment | XmlKind.ProcessingInstruction, name: string, value: string): void {
    const parent = this.parent();
    const node = new XmlMarkupNode(kind, name, value, parent, this.order++, this.nodes.length);
    this.nodes.push(node);
    addChild(parent, node);
    this.currentText = null;
  }

  /** Finds the end of a comment starting at pos ("<!--"); returns its text. */
  private commentText(): string {
    const start = this.pos + 4;
    const dashes = this.src.indexOf('--', start);
    if (dashes === -1) this.fail('Comment not terminated');
    if (this.src.charCodeAt(dashes + 2) !== GT) this.fail('Double hyphen within comment');
    this.checkChars(start, dashes, 'Comment');
    this.pos = dashes + 3;
    return this.src.slice(start, dashes);
  }

  private comment(): void {
    this.markupNode(XmlKind.Comment, '', this.commentText());
  }

  /** '<?' at pos; returns [target, data]. */
  private piParts(): [string, string] {
    this.pos += 2;
    const target = this.name();
    if (target === '') this.fail('xmlParsePI : no target name');
    if (target === 'xml') this.fail('XML declaration allowed only at the start of the document');
    const end = this.src.indexOf('?>', this.pos);
    if (end === -1) this.fail(`PI ${target} never end ...`);
    if (end > this.pos && !this.skipSpaces()) this.fail(`ParsePI: PI ${target} space expected`);
    const data = this.src.slice(Math.min(this.pos, end), end);
    this.checkChars(this.pos, end, 'PI');
    this.pos = end + 2;
    return [target, data];
  }

  private processingInstruction(): void {
    const [target, data] = this.piParts();
    this.markupNode(XmlKind.ProcessingInstruction, target, data);
  }

  private cdata(): void {
    if (this.open.length === 0) this.fail(this.sawRoot ? 'Extra content at the end of the document' : "Start tag expected, '<' not found");
    const start = this.pos + 9;
    const end = this.src.indexOf(']]>', start);
    if (end === -1) this.fail('CData section not finished');
    this.checkChars(start, end, 'CData section');
    this.pos = end + 3;
    // A CDATA section is a node of its own (libxml2's CDATA node), even next to text.
    this.currentText = null;
    this.appendText(this.src.slice(start, end));
    this.currentText = null;
  }

  /** A quoted literal (system id, public id, entity value); returns its content. */
  private literal(): string {
    const quote = this.code();
    if (quote !== QUOT && quote !== APOS) this.fail('Literal " or \' expected');
    const end = this.src.indexOf(String.fromCharCode(quote), this.pos + 1);
    if (end === -1) this.fail('Unfinished literal');
    const value = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  /** SYSTEM "x" / PUBLIC "p" "x" at pos, if there; returns whether one was read. */
  private externalId(): boolean {
    if (this.startsWith('SYSTEM')) {
      this.pos += 6;
      if (!this.skipSpaces()) this.fail("Space required after 'SYSTEM'");
      this.literal();
      return true;
    }
    if (this.startsWith('PUBLIC')) {
      this.pos += 6;
      if (!this.skipSpaces()) this.fail("Space required after 'PUBLIC'");
      this.literal();
      if (!this.skipSpaces()) this.fail('Space required after the Public Identifier');
      this.literal();
      return true;
    }
    return false;
  }

  /** <!DOCTYPE name ExternalID? [internal subset]? >: skipped, entity names remembered. */
  private doctype(): void {
    if (this.sawDoctype || this.sawRoot) this.fail('DOCTYPE not allowed here');
    this.sawDoctype = true;
    this.pos += 9;
    if (!this.skipSpaces()) this.fail('Space required after the DOCTYPE keyword');
    if (this.name() === '') this.fail('xmlParseDocTypeDecl : no DOCTYPE name !');
    this.skipSpaces();
    if (this.externalId()) this.entitiesUnknowable = true;
    this.skipSpaces();
    if (this.code() === 0x5b) {
      this.pos++;
      this.internalSubset();
    }
    this.skipSpaces();
    if (this.code() !== GT) this.fail('DOCTYPE improperly terminated');
    this.pos++;
  }

  private internalSubset(): void {
    for (;;) {
      this.skipSpaces();
      if (this.pos >= this.len) this.fail('Internal subset not finished');
      const c = this.code();
      if (c === 0x5d) {
        this.pos++;
        return;
      }
      if (c === 0x25) {
        this.pos++;
        if (this.name() === '' || this.code() !== 0x3b) this.fail('PEReference: expecting name and \';\'');
        this.pos++;
        this.entitiesUnknowable = true;
      } else if (this.startsWith('<!--')) {
        this.commentText();
      } else if (this.startsWith('<?')) {
        this.piParts();
      } else if (this.startsWith('<!ENTITY')) {
        this.entityDeclaration();
      } else if (this.startsWith('<!ELEMENT') || this.startsWith('<!ATTLIST') || this.startsWith('<!NOTATION')) {
        this.skipDeclaration();
      } else {
        this.fail('xmlParseInternalSubset: error detected in Markup declaration');
      }
    }
  }

  /** Skips a markup declaration up to its '>', stepping over quoted literals. */
  private skipDeclaration(): void {
    this.pos += 2;
    for (;;) {
      if (this.pos >= this.len) this.fail('Markup declaration not finished');
      const c = this.code();
      if (c === GT) {
        this.pos++;
        return;
      }
      if (c === QUOT || c === APOS) this.literal();
      else this.pos++;
    }
  }

  /** <!ENTITY [%] name (value | ExternalID [NDATA n]) >: only the name of a general entity is kept. */
  private entityDeclaration(): void {
    this.pos += 8;
    if (!this.skipSpaces()) this.fail("Space required after '<!ENTITY'");
    let parameter = false;
    if (this.code() === 0x25) {
      parameter = true;
      this.pos++;
      if (!this.skipSpaces()) this.fail("Space required after '%'");
    }
    const name = this.name();
    if (name === '') this.fail('xmlParseEntityDecl: no name');
    if (!this.skipSpaces()) this.fail('Space required after the entity name');
    if (!this.externalId()) this.literal();
    this.skipDeclarationTail();
    if (!parameter) this.declaredEntities.add(name);
  }

  /** The rest of an entity declaration (NDATA name, spaces) and its '>'. */
  private skipDeclarationTail(): void {
    for (;;) {
      if (this.pos >= this.len) this.fail('xmlParseEntityDecl: entity not terminated');
      const c = this.code();
      if (c === GT) {
        this.pos++;
        return;
      }
      if (c === QUOT || c === APOS || c === LT) this.fail('xmlParseEntityDecl: entity not terminated');
      this.pos++;
    }
  }
}

/** Parses UTF-8 bytes with "\n" line ends; never throws. */
export function parseXmlTree(src: string): { tree: XmlTree; error?: undefined } | { tree?: undefined; error: string } {
  try {
    return { tree: new XmlParser(src).parse() };
  } catch (e) {
    if (e instanceof XmlSyntaxError) return { error: e.message };
    // A bug of ours, or the engine out of memory: still an error result, never a throw.
    return { error: e instanceof Error ? e.message : 'unexpected failure' };
  }
}
