// The XmlDocument the engine queries for XML:<expression>: our parsed tree plus the XPath subset.

import type { XmlDocument } from './body.js';
import { nodeContent, type XmlTree } from './xml-nodes.js';
import { compileXPath, evaluateXPath } from './xpath.js';

export class ParsedXmlDocument implements XmlDocument {
  /**
   * Results per expression: the CRS asks for XML:/* and XML://@* in some 170 rules each, and
   * "//@*" walks the whole document. Callers get a copy, so they cannot change what others see.
   */
  private readonly results = new Map<string, readonly string[]>();

  constructor(private readonly tree: XmlTree) {}

  /** Each selected node's content, as ModSecurity gives it (libxml2's xmlNodeGetContent). */
  select(expression: string): string[] {
    let values = this.results.get(expression);
    if (values === undefined) {
      values = this.evaluate(expression);
      this.results.set(expression, values);
    }
    return values.slice();
  }

  private evaluate(expression: string): string[] {
    const nodes = evaluateXPath(compileXPath(expression), this.tree);
    const values: string[] = new Array<string>(nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      values[i] = node === undefined ? '' : nodeContent(node, this.tree.text);
    }
    return values;
  }
}
