// The JSON body processor: yajl 2's parser state machine (with its error messages) driving
// ModSecurity v3's argument naming (src/request_body_processor/json.cc + json.h). Iterative: the
// nesting lives in arrays, never on the JS stack.
//
// v3's names (verified against json.cc, not Coraza, which differs: "json.a.0" for array elements,
// one extra "json.a" = <length> entry per array, and duplicate keys collapsed in a map):
//   {"a":1}                 json.a=1
//   {"a":{"b":1}}           json.a.b=1
//   {"a":[1,2]}             json.a.array_0=1, json.a.array_1=2
//   {"a":[{"b":1}]}         json.a.array_0.b=1
//   [[1],[2]]               json.array_0.array_0=1, json.array_1.array_0=2
//   "x" (top-level scalar)  json=x
//   {"":1}                  json.empty-key=1
// Values: strings as decoded bytes, numbers exactly as written, true/false, null as "". Duplicate
// keys are all kept, in order. Every value is one argument; empty arrays/objects give none.

import type { BodyLimits, ParsedBody } from './body.js';
import { JsonLexer, Tok } from './json-lexer.js';

/** yajl's parser states. */
const enum State {
  Start,
  ParseComplete,
  MapStart,
  MapNeedKey,
  MapSep,
  MapNeedVal,
  MapGotVal,
  ArrayStart,
  ArrayNeedVal,
  ArrayGotVal,
}

const CANCELLED = 'client cancelled parse via callback return value';

class JsonBodyParser {
  readonly args: Array<[string, string]> = [];
  private readonly lexer: JsonLexer;
  private readonly states: State[] = [State.Start];
  // The open containers (v3's m_containers) as parallel arrays: a deep document is a long run of
  // pushes, and most containers' paths are never needed, so they are built lazily.
  private readonly names: string[] = [];
  private readonly arrays: boolean[] = [];
  /** Arrays: index of the element being read (v3's m_elementCounter). */
  private readonly counters: number[] = [];
  /** Path of the enclosing containers plus the container's own name, once computed. */
  private readonly heads: Array<string | undefined> = [];
  private currentKey = '';
  private depthExceeded = false;

  constructor(
    text: string,
    private readonly limits: BodyLimits,
  ) {
    this.lexer = new JsonLexer(text);
  }

  /** Runs yajl's state machine to the end; returns the yajl error text, or "". */
  run(): string {
    for (;;) {
      const top = this.states.length - 1;
      const state = this.states[top] ?? State.ParseComplete;
      const tok = this.lexer.next();
      // After the value, anything but the end is "trailing garbage", even a lexical error.
      if (state === State.ParseComplete) return tok === Tok.Eof ? '' : 'parse error: trailing garbage';
      if (tok === Tok.Error) return 'lexical error: ' + this.lexer.error;
      // The extra " " of yajl_complete_parse is consumed: anything still open is premature.
      if (tok === Tok.Eof) return 'parse error: premature EOF';
      const problem = this.step(top, state, tok);
      if (problem !== '') return 'parse error: ' + problem;
    }
  }

  /** One token in one state; returns a yajl parse error text, or "". */
  private step(top: number, state: State, tok: Tok): string {
    switch (state) {
      case State.MapStart:
      case State.MapNeedKey:
        if (tok === Tok.Str) {
          this.currentKey = this.lexer.value;
          this.states[top] = State.MapSep;
          return '';
        }
        if (tok === Tok.MapClose && state === State.MapStart) return this.close();
        return 'invalid object key (must be a string)';
      case State.MapSep:
        if (tok !== Tok.Colon) return "object key and value must be separated by a colon (':')";
        this.states[top] = State.MapNeedVal;
        return '';
      case State.MapGotVal:
        if (tok === Tok.MapClose) return this.close();
        if (tok !== Tok.Comma) return "after key and value, inside map, I expect ',' or '}'";
        this.states[top] = State.MapNeedKey;
        return '';
      case State.ArrayGotVal:
        if (tok === Tok.ArrayClose) return this.close();
        if (tok !== Tok.Comma) return "after array element, I expect ',' or ']'";
        this.states[top] = State.ArrayNeedVal;
        return '';
      default:
        return this.value(top, state, tok);
    }
  }

  /** A token where a value is expected (Start, MapNeedVal, ArrayStart, ArrayNeedVal). */
  private value(top: number, state: State, tok: Tok): string {
    let push: State | null = null;
    switch (tok) {
      case Tok.Str:
      case Tok.Num:
        if (!this.addArgument(this.lexer.value)) return CANCELLED;
        break;
      case Tok.True:
        if (!this.addArgument('true')) return CANCELLED;
        break;
      case Tok.False:
        if (!this.addArgument('false')) return CANCELLED;
        break;
      case Tok.Null:
        if (!this.addArgument('')) return CANCELLED;
        break;
      case Tok.MapOpen:
        if (!this.open(false)) return CANCELLED;
        push = State.MapStart;
        break;
      case Tok.ArrayOpen:
        if (!this.open(true)) return CANCELLED;
        push = State.ArrayStart;
        break;
      case Tok.ArrayClose:
        if (state === State.ArrayStart) return this.close();
        return 'unallowed token at this point in JSON text';
      default:
        return 'unallowed token at this point in JSON text';
    }
    if (state === State.Start) this.states[top] = State.ParseComplete;
    else if (state === State.MapNeedVal) this.states[top] = State.MapGotVal;
    else this.states[top] = State.ArrayGotVal;
    if (push !== null) this.states.push(push);
    return '';
  }

  /** v3's getCurrentKey(): "json" at the top, "" inside arrays, "empty-key" for "" keys. */
  private takeCurrentKey(): string {
    const top = this.names.length - 1;
    if (top < 0) return 'json';
    const key = this.currentKey;
    if (key.length === 0) return this.arrays[top] === true ? '' : 'empty-key';
    this.currentKey = '';
    return key;
  }

  /** Container i's path with its own separator: "." for a map, ".array_<n>" for an array. */
  private pathThrough(i: number): string {
    const head = this.head(i);
    return this.arrays[i] === true ? head + '.array_' + (this.counters[i] ?? 0) : head + '.';
  }

  /**
   * Container i's head, computed once. A container's head depends on the counters below it only
   * as they were when it opened, and those do not change while it is open, so late is as good as
   * early. Iterative: the chain of containers without a head yet may be long.
   */
  private head(i: number): string {
    let j = i;
    while (j > 0 && this.heads[j - 1] === undefined) j--;
    for (; j <= i; j++) {
      if (this.heads[j] === undefined) this.heads[j] = (j === 0 ? '' : this.pathThrough(j - 1)) + (this.names[j] ?? '');
    }
    return this.heads[i] ?? '';
  }

  /** The path down to the innermost container. */
  private path(): string {
    const top = this.names.length - 1;
    return top < 0 ? '' : this.pathThrough(top);
  }

  /** yajl_start_map / yajl_start_array; false cancels (depth limit). */
  private open(isArray: boolean): boolean {
    this.names.push(this.takeCurrentKey());
    this.arrays.push(isArray);
    this.counters.push(0);
    this.heads.push(undefined);
    if (this.names.length > this.limits.jsonDepth) {
      this.depthExceeded = true;
      return false;
    }
    return true;
  }

  /** yajl_end_map / yajl_end_array (alike in v3), then yajl pops its state. */
  private close(): string {
    this.names.pop();
    this.arrays.pop();
    this.counters.pop();
    this.heads.pop();
    const parent = this.names.length - 1;
    if (parent >= 0 && this.arrays[parent] === true) this.counters[parent] = (this.counters[parent] ?? 0) + 1;
    this.states.pop();
    return '';
  }

  /** v3's JSON::addArgument; false cancels (SecArgumentsLimit, checked as v3's addArgument). */
  private addArgument(value: string): boolean {
    const path = this.path();
    const top = this.names.length - 1;
    let name: string;
    if (top >= 0 && this.arrays[top] === true) {
      this.counters[top] = (this.counters[top] ?? 0) + 1;
      name = path;
    } else {
      name = path + this.takeCurrentKey();
    }
    if (this.args.length >= this.limits.maxArgs) return false;
    this.args.push([name, value]);
    return true;
  }

  /** REQBODY_ERROR_MSG for a yajl error. */
  message(yajlError: string): string {
    // v3 appends this to yajl's message (which ends in "\n"; we leave the newline out).
    const depth = this.depthExceeded ? '. Parsing depth limit exceeded' : '';
    return 'JSON parsing error: ' + yajlError + depth;
  }
}

/** The JSON body processor. Never throws; linear in the body. */
export function processJson(body: string, limits: BodyLimits): ParsedBody {
  // v3 ignores the parser's complaint about an empty body (REQBODY_ERROR stays 0).
  if (body.length === 0) return { args: [], files: [], partHeaders: [] };
  const parser = new JsonBodyParser(body, limits);
  const problem = parser.run();
  if (problem === '') return { args: parser.args, files: [], partHeaders: [] };
  return { args: parser.args, files: [], partHeaders: [], error: parser.message(problem) };
}
