// The tree our XML parser builds and XPath walks. All character data of the document is kept in
// one string (`XmlTree.text`, UTF-8 bytes); elements and text nodes only hold [start, end) ranges
// into it, so the content of any element (what libxml2's xmlNodeGetContent gives ModSecurity for
// XML:/*) is one slice: O(1) however deep the document, which keeps "//*" linear.
//
// Every node also has `order`, its position in document order (an element, then its attributes,
// then its children), and non-attribute nodes an `index` into `XmlTree.nodes` with `end`, one past
// their last descendant, so descendants are a contiguous range there.

export const enum XmlKind {
  Document,
  Element,
  Attribute,
  Text,
  Comment,
  ProcessingInstruction,
}

// Shared empty lists: most nodes have no attributes and many no children, and a 1 MB document
// can hold a quarter of a million nodes.
const NO_ATTRIBUTES: readonly XmlAttributeNode[] = Object.freeze([]);
const NO_CHILDREN: readonly XmlChildNode[] = Object.freeze([]);

/** Appends a child, replacing the shared empty list on the first one. */
export function addChild(parent: XmlElementNode | XmlDocumentNode, child: XmlChildNode): void {
  if (parent.children === NO_CHILDREN) parent.children = [child];
  else (parent.children as XmlChildNode[]).push(child);
}

export class XmlDocumentNode {
  readonly kind = XmlKind.Document;
  readonly parent = null;
  children: readonly XmlChildNode[] = NO_CHILDREN;
  readonly attributes = NO_ATTRIBUTES;
  readonly name = '';
  readonly order = 0;
  readonly index = 0;
  end = 1;
  textStart = 0;
  textEnd = 0;
}

export class XmlElementNode {
  readonly kind = XmlKind.Element;
  children: readonly XmlChildNode[] = NO_CHILDREN;
  attributes: readonly XmlAttributeNode[] = NO_ATTRIBUTES;
  end = 0;
  textEnd = 0;
  constructor(
    /** The qualified name as written ("soap:Body"). */
    readonly name: string,
    readonly parent: XmlElementNode | XmlDocumentNode,
    readonly order: number,
    readonly index: number,
    readonly textStart: number,
  ) {}
}

export class XmlAttributeNode {
  readonly kind = XmlKind.Attribute;
  readonly children = NO_CHILDREN;
  readonly attributes = NO_ATTRIBUTES;
  readonly index = -1;
  readonly end = -1;
  constructor(
    readonly name: string,
    /** The normalised value, UTF-8 bytes. */
    readonly value: string,
    readonly parent: XmlElementNode,
    readonly order: number,
  ) {}
}

/** A text node or a CDATA section (XPath's text() selects both). */
export class XmlTextNode {
  readonly kind = XmlKind.Text;
  readonly children = NO_CHILDREN;
  readonly attributes = NO_ATTRIBUTES;
  readonly name = '';
  end: number;
  textEnd: number;
  constructor(
    readonly parent: XmlElementNode,
    readonly order: number,
    readonly index: number,
    readonly textStart: number,
  ) {
    this.end = index + 1;
    this.textEnd = textStart;
  }
}

/** A comment or a processing instruction; `name` is the PI target ("" for comments). */
export class XmlMarkupNode {
  readonly children = NO_CHILDREN;
  readonly attributes = NO_ATTRIBUTES;
  readonly end: number;
  constructor(
    readonly kind: XmlKind.Comment | XmlKind.ProcessingInstruction,
    readonly name: string,
    readonly value: string,
    readonly parent: XmlElementNode | XmlDocumentNode,
    readonly order: number,
    readonly index: number,
  ) {
    this.end = index + 1;
  }
}

export type XmlChildNode = XmlElementNode | XmlTextNode | XmlMarkupNode;
export type XmlNode = XmlDocumentNode | XmlChildNode | XmlAttributeNode;

/** A parsed document. */
export interface XmlTree {
  readonly root: XmlDocumentNode;
  /** Non-attribute nodes in document order; nodes[0] is the document. */
  readonly nodes: readonly (XmlDocumentNode | XmlChildNode)[];
  /** All character data, in document order. */
  readonly text: string;
}

/** The string ModSecurity reports for a selected node (libxml2's xmlNodeGetContent). */
export function nodeContent(node: XmlNode, text: string): string {
  switch (node.kind) {
    case XmlKind.Attribute:
    case XmlKind.Comment:
    case XmlKind.ProcessingInstruction:
      return node.value;
    default:
      return text.slice(node.textStart, node.textEnd);
  }
}
