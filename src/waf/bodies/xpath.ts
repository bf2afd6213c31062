// The XPath subset rules use on XML:<expression>, compiled once and evaluated over xml-nodes.ts.
//
// Supported: absolute and relative location paths; "/" and "//" between steps; abbreviated steps
// "." and ".."; axes child (default), attribute ("@"), descendant, descendant-or-self, self,
// parent; node tests QName, "*", "prefix:*", node(), text(), comment(), processing-instruction();
// predicates [n], [last()], [@name], [@*], [@name='v'], [name], [text()], [name='v'],
// [text()='v'], [local-name()='v'], [name()='v'] (either quote; several in a row).
// Names are compared as written, prefix included: we do not resolve namespaces (libxml2 would
// need an xmlns action to register a prefix, and would not match an unprefixed test against an
// element in a default namespace). Anything else throws an Error naming what is unsupported.
//
// Evaluation is linear in the document for every supported form: "//" walks each subtree once
// (nested context nodes are skipped), and results are put in document order by `order`.

import { nodeContent, XmlKind, type XmlNode, type XmlTree } from './xml-nodes.js';

const enum Axis {
  Child,
  Attribute,
  Descendant,
  DescendantOrSelf,
  Self,
  Parent,
}

const enum TestKind {
  Name,
  AnyName,
  Prefix,
  AnyNode,
  Text,
  Comment,
  Pi,
}

interface NodeTest {
  readonly kind: TestKind;
  /** The name (Name), or "prefix:" (Prefix). */
  readonly name: string;
}

type Predicate =
  | { readonly kind: 'position'; readonly n: number }
  | { readonly kind: 'last' }
  | { readonly kind: 'has-attribute'; readonly test: NodeTest }
  | { readonly kind: 'attribute-equals'; readonly test: NodeTest; readonly value: string }
  | { readonly kind: 'has-child'; readonly test: NodeTest }
  | { readonly kind: 'child-equals'; readonly test: NodeTest; readonly value: string }
  | { readonly kind: 'name-equals'; readonly local: boolean; readonly value: string };

interface Step {
  readonly axis: Axis;
  readonly test: NodeTest;
  readonly predicates: readonly Predicate[];
}

export interface CompiledXPath {
  readonly source: string;
  readonly steps: readonly Step[];
}

const ANY_NODE: NodeTest = { kind: TestKind.AnyNode, name: '' };
const DESCENDANT_OR_SELF: Step = { axis: Axis.DescendantOrSelf, test: ANY_NODE, predicates: [] };

const AXES: Readonly<Record<string, Axis>> = {
  child: Axis.Child,
  attribute: Axis.Attribute,
  descendant: Axis.Descendant,
  'descendant-or-self': Axis.DescendantOrSelf,
  self: Axis.Self,
  parent: Axis.Parent,
};

const NODE_TYPES: Readonly<Record<string, TestKind>> = {
  node: TestKind.AnyNode,
  text: TestKind.Text,
  comment: TestKind.Comment,
  'processing-instruction': TestKind.Pi,
};

// ---- tokens ----

type Token =
  | { readonly t: 'op'; readonly v: string } // / // @ * [ ] ( ) = . .. ::
  | { readonly t: 'name'; readonly v: string } // NCName, QName, or prefix:*
  | { readonly t: 'number'; readonly v: number }
  | { readonly t: 'literal'; readonly v: string };

const NAME_START = /[A-Za-z_\u0080-\uffff]/;
const NAME_CHAR = /[A-Za-z0-9_.\u0080-\uffff-]/;

function unsupported(expression: string, what: string): never {
  throw new Error(`XPath expression ${JSON.stringify(expression)} is not supported: ${what}`);
}

function readName(expr: string, at: number): number {
  let i = at;
  while (i < expr.length && NAME_CHAR.test(expr[i] ?? '')) i++;
  return i;
}

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i] ?? '';
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
    } else if (expr.startsWith('//', i) || expr.startsWith('..', i) || expr.startsWith('::', i)) {
      tokens.push({ t: 'op', v: expr.slice(i, i + 2) });
      i += 2;
    } else if ('/@*[]()=.'.includes(ch)) {
      tokens.push({ t: 'op', v: ch });
      i++;
    } else if (ch === '"' || ch === "'") {
      const end = expr.indexOf(ch, i + 1);
      if (end === -1) unsupported(expr, 'unterminated string literal');
      tokens.push({ t: 'literal', v: expr.slice(i + 1, end) });
      i = end + 1;
    } else if (ch >= '0' && ch <= '9') {
      let end = i;
      while (end < expr.length && (expr[end] ?? '') >= '0' && (expr[end] ?? '') <= '9') end++;
      tokens.push({ t: 'number', v: Number(expr.slice(i, end)) });
      i = end;
    } else if (NAME_START.test(ch)) {
      let end = readName(expr, i + 1);
      // A prefix: "p:name" or "p:*" (but not the "::" of an axis).
      if (expr[end] === ':' && expr[end + 1] !== ':') {
        if (expr[end + 1] === '*') end += 2;
        else if (NAME_START.test(expr[end + 1] ?? '')) end = readName(expr, end + 2);
      }
      tokens.push({ t: 'name', v: expr.slice(i, end) });
      i = end;
    } else {
      unsupported(expr, `unexpected character ${JSON.stringify(ch)}`);
    }
  }
  return tokens;
}

// ---- parser ----

class PathParser {
  private i = 0;
  constructor(
    private readonly expr: string,
    private readonly tokens: readonly Token[],
  ) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private isOp(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.t === 'op' && t.v === v;
  }

  private expectOp(v: string): void {
    if (!this.isOp(v)) unsupported(this.expr, `expected "${v}"`);
    this.i++;
  }

  parse(): Step[] {
    const steps: Step[] = [];
    if (this.tokens.length === 0) unsupported(this.expr, 'empty expression');
    if (this.isOp('/')) {
      this.i++;
      if (this.i === this.tokens.length) return steps; // "/": the document node
    } else if (this.isOp('//')) {
      this.i++;
      steps.push(DESCENDANT_OR_SELF);
    }
    steps.push(this.step());
    while (this.i < this.tokens.length) {
      if (this.isOp('//')) steps.push(DESCENDANT_OR_SELF);
      else if (!this.isOp('/')) unsupported(this.expr, 'expected "/" or "//" between steps');
      this.i++;
      steps.push(this.step());
    }
    return steps;
  }

  private step(): Step {
    if (this.isOp('.')) {
      this.i++;
      return { axis: Axis.Self, test: ANY_NODE, predicates: this.predicates(Axis.Self) };
    }
    if (this.isOp('..')) {
      this.i++;
      return { axis: Axis.Parent, test: ANY_NODE, predicates: this.predicates(Axis.Parent) };
    }
    let axis = Axis.Child;
    const first = this.peek();
    if (this.isOp('@')) {
      this.i++;
      axis = Axis.Attribute;
    } else if (first?.t === 'name' && this.isOp('::', 1)) {
      const named = AXES[first.v];
      if (named === undefined) unsupported(this.expr, `axis ${first.v}`);
      axis = named;
      this.i += 2;
    }
    const test = this.nodeTest();
    return { axis, test, predicates: this.predicates(axis) };
  }

  private nodeTest(): NodeTest {
    const t = this.peek();
    if (this.isOp('*')) {
      this.i++;
      return { kind: TestKind.AnyName, name: '' };
    }
    if (t?.t !== 'name') unsupported(this.expr, 'expected a node test');
    this.i++;
    if (this.isOp('(')) {
      const type = NODE_TYPES[t.v];
      if (type === undefined) unsupported(this.expr, `function ${t.v}()`);
      this.i++;
      if (type === TestKind.Pi && this.peek()?.t === 'literal') unsupported(this.expr, 'processing-instruction() with a target');
      this.expectOp(')');
      return { kind: type, name: '' };
    }
    if (t.v.endsWith(':*')) return { kind: TestKind.Prefix, name: t.v.slice(0, -1) };
    return { kind: TestKind.Name, name: t.v };
  }

  private predicates(axis: Axis): Predicate[] {
    const list: Predicate[] = [];
    while (this.isOp('[')) {
      this.i++;
      const predicate = this.predicate();
      if ((predicate.kind === 'position' || predicate.kind === 'last') && (axis === Axis.Descendant || axis === Axis.DescendantOrSelf)) {
        // Positions along descendant axes depend on every context node separately: quadratic.
        unsupported(this.expr, 'a position predicate on a descendant axis');
      }
      list.push(predicate);
      this.expectOp(']');
    }
    return list;
  }

  private predicate(): Predicate {
    const t = this.peek();
    if (t?.t === 'number') {
      this.i++;
      if (!Number.isInteger(t.v) || t.v < 1) unsupported(this.expr, 'a position that is not a positive integer');
      return { kind: 'position', n: t.v };
    }
    if (t?.t === 'name' && t.v === 'last' && this.isOp('(', 1) && this.isOp(')', 2)) {
      this.i += 3;
      return { kind: 'last' };
    }
    if (t?.t === 'name' && (t.v === 'local-name' || t.v === 'name') && this.isOp('(', 1) && this.isOp(')', 2)) {
      this.i += 3;
      return { kind: 'name-equals', local: t.v === 'local-name', value: this.equalsLiteral(true) ?? '' };
    }
    if (this.isOp('@')) {
      this.i++;
      const test = this.nodeTest();
      if (test.kind !== TestKind.Name && test.kind !== TestKind.AnyName && test.kind !== TestKind.Prefix) {
        unsupported(this.expr, 'a node-type test on the attribute axis in a predicate');
      }
      const value = this.equalsLiteral(false);
      return value === null ? { kind: 'has-attribute', test } : { kind: 'attribute-equals', test, value };
    }
    if (t?.t === 'name' || this.isOp('*')) {
      const test = this.nodeTest();
      if (test.kind === TestKind.Comment || test.kind === TestKind.Pi) unsupported(this.expr, 'this predicate');
      const value = this.equalsLiteral(false);
      return value === null ? { kind: 'has-child', test } : { kind: 'child-equals', test, value };
    }
    return unsupported(this.expr, 'this predicate');
  }

  /** "= 'literal'" if it follows (required when `required`); null when absent. */
  private equalsLiteral(required: boolean): string | null {
    if (!this.isOp('=')) {
      if (required) unsupported(this.expr, 'expected "=" and a string literal');
      return null;
    }
    this.i++;
    const v = this.peek();
    if (v?.t !== 'literal') unsupported(this.expr, 'a comparison with something other than a string literal');
    this.i++;
    return v.v;
  }
}

const cache = new Map<string, CompiledXPath>();
const CACHE_LIMIT = 512;

/** Compiles (and caches) an expression; throws an Error for anything outside the subset. */
export function compileXPath(expression: string): CompiledXPath {
  const hit = cache.get(expression);
  if (hit !== undefined) return hit;
  const compiled: CompiledXPath = { source: expression, steps: new PathParser(expression, tokenize(expression)).parse() };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(expression, compiled);
  return compiled;
}

// ---- evaluation ----

/** Whether `node` passes `test` on `axis` (its principal node type: attribute or element). */
function matches(node: XmlNode, test: NodeTest, axis: Axis): boolean {
  const principal = axis === Axis.Attribute ? XmlKind.Attribute : XmlKind.Element;
  switch (test.kind) {
    case TestKind.AnyNode:
      return true;
    case TestKind.Text:
      return node.kind === XmlKind.Text;
    case TestKind.Comment:
      return node.kind === XmlKind.Comment;
    case TestKind.Pi:
      return node.kind === XmlKind.ProcessingInstruction;
    case TestKind.AnyName:
      return node.kind === principal;
    case TestKind.Prefix:
      return node.kind === principal && node.name.startsWith(test.name);
    case TestKind.Name:
      return node.kind === principal && node.name === test.name;
  }
}

function attributeMatches(node: XmlNode, test: NodeTest, value: string | null): boolean {
  for (const attribute of node.attributes) {
    if (matches(attribute, test, Axis.Attribute) && (value === null || attribute.value === value)) return true;
  }
  return false;
}

/** Whether a child of `node` passes `test` (and, unless null, has string value `value`). */
function childMatches(tree: XmlTree, node: XmlNode, test: NodeTest, value: string | null): boolean {
  for (const child of node.children) {
    if (matches(child, test, Axis.Child) && (value === null || nodeContent(child, tree.text) === value)) return true;
  }
  return false;
}

function nameEquals(node: XmlNode, local: boolean, value: string): boolean {
  if (node.kind !== XmlKind.Element && node.kind !== XmlKind.Attribute && node.kind !== XmlKind.ProcessingInstruction) {
    return value === '';
  }
  const name = node.name;
  return (local ? name.slice(name.indexOf(':') + 1) : name) === value;
}

/** Whether `node` passes a predicate that does not depend on its position. */
function passes(tree: XmlTree, node: XmlNode, p: Predicate): boolean {
  switch (p.kind) {
    case 'has-attribute':
      return attributeMatches(node, p.test, null);
    case 'attribute-equals':
      return attributeMatches(node, p.test, p.value);
    case 'has-child':
      return childMatches(tree, node, p.test, null);
    case 'child-equals':
      return childMatches(tree, node, p.test, p.value);
    case 'name-equals':
      return nameEquals(node, p.local, p.value);
    default:
      return true;
  }
}

/** Applies the predicates in order; positions count within what the previous ones kept. */
function applyPredicates(tree: XmlTree, candidates: XmlNode[], predicates: readonly Predicate[]): XmlNode[] {
  let list = candidates;
  for (const p of predicates) {
    if (p.kind === 'position' || p.kind === 'last') {
      const hit = p.kind === 'position' ? list[p.n - 1] : list[list.length - 1];
      list = hit === undefined ? [] : [hit];
      continue;
    }
    const kept: XmlNode[] = [];
    for (const n of list) if (passes(tree, n, p)) kept.push(n);
    list = kept;
  }
  return list;
}

/** The nodes of `axis` from `node` that pass the step's test, in axis order. */
function axisNodes(tree: XmlTree, node: XmlNode, step: Step, out: XmlNode[]): void {
  switch (step.axis) {
    case Axis.Child:
      for (const child of node.children) if (matches(child, step.test, step.axis)) out.push(child);
      return;
    case Axis.Attribute:
      for (const attribute of node.attributes) if (matches(attribute, step.test, step.axis)) out.push(attribute);
      return;
    case Axis.Self:
      if (matches(node, step.test, step.axis)) out.push(node);
      return;
    case Axis.Parent:
      if (node.parent !== null && matches(node.parent, step.test, step.axis)) out.push(node.parent);
      return;
    case Axis.Descendant:
    case Axis.DescendantOrSelf: {
      if (node.kind === XmlKind.Attribute) {
        if (step.axis === Axis.DescendantOrSelf && matches(node, step.test, step.axis)) out.push(node);
        return;
      }
      const from = step.axis === Axis.Descendant ? node.index + 1 : node.index;
      for (let i = from; i < node.end; i++) {
        const n = tree.nodes[i];
        if (n !== undefined && matches(n, step.test, step.axis)) out.push(n);
      }
      return;
    }
  }
}

/** Drops context nodes inside the subtree of an earlier one (contexts are in document order). */
function outermost(context: readonly XmlNode[]): XmlNode[] {
  const kept: XmlNode[] = [];
  let coveredUntil = -1;
  for (const node of context) {
    if (node.kind !== XmlKind.Attribute && node.index < coveredUntil) continue;
    kept.push(node);
    if (node.kind !== XmlKind.Attribute) coveredUntil = Math.max(coveredUntil, node.end);
  }
  return kept;
}

/** Document order, without duplicates. */
function documentOrder(nodes: XmlNode[]): XmlNode[] {
  let sorted = true;
  for (let i = 1; i < nodes.length && sorted; i++) sorted = (nodes[i - 1]?.order ?? 0) < (nodes[i]?.order ?? 0);
  if (sorted) return nodes;
  nodes.sort((a, b) => a.order - b.order);
  const unique: XmlNode[] = [];
  for (const n of nodes) if (unique[unique.length - 1] !== n) unique.push(n);
  return unique;
}

function applyStep(tree: XmlTree, context: readonly XmlNode[], step: Step): XmlNode[] {
  const descending = step.axis === Axis.Descendant || step.axis === Axis.DescendantOrSelf;
  const from = descending ? outermost(context) : context;
  const out: XmlNode[] = [];
  const group: XmlNode[] = [];
  for (const node of from) {
    if (step.predicates.length === 0) {
      axisNodes(tree, node, step, out);
      continue;
    }
    group.length = 0;
    axisNodes(tree, node, step, group);
    for (const n of applyPredicates(tree, group, step.predicates)) out.push(n);
  }
  return from.length > 1 ? documentOrder(out) : out;
}

/** The selected nodes, in document order. */
export function evaluateXPath(compiled: CompiledXPath, tree: XmlTree): XmlNode[] {
  let context: XmlNode[] = [tree.root];
  for (const step of compiled.steps) {
    context = applyStep(tree, context, step);
    if (context.length === 0) break;
  }
  return context;
}
