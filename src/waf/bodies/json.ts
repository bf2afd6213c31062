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

/** One open container, as v3's JSONContainer / JSONContainerArray. */
interface Container {
  /** Path of the enclosing containers plus this container's own name. */
  readonly head: string;
  readonly isArray: boolean;
  /** Arrays: index of the element being read (v3's m_elementCounter). */
  counter: number;
}

const CANCELLED = 'client cancelled parse via callback return value';

class JsonBodyParser {
  readonly args: Array<[string, string]> = [];
  private readonly lexer: JsonLexer;
  private readonly states: State[] = [State.Start];
  private readonly containers: Container[] = [];
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
    if (this.containers.length === 0) return 'json';
    const key = this.currentKey;
    if (key.length === 0) {
      const top = this.containers[this.containers.length - 1];
      return top !== undefined && top.isArray ? '' : 'empty-key';
    }
    this.currentKey = '';
    return key;
  }

  /** The path down to the innermost container: each map adds ".", each array ".array_<n>". */
  private path(): string {
    const top = this.containers[this.containers.length - 1];
    if (top === undefined) return '';
    return top.isArray ? top.head + '.array_' + top.counter : top.head + '.';
  }

  /** yajl_start_map / yajl_start_array; false cancels (depth limit). */
  private open(isArray: boolean): boolean {
    const name = this.takeCurrentKey();
    this.containers.push({ head: this.path() + name, isArray, counter: 0 });
    if (this.containers.length > this.limits.jsonDepth) {
      this.depthExceeded = true;
      return false;
    }
    return true;
  }

  /** yajl_end_map / yajl_end_array (alike in v3), then yajl pops its state. */
  private close(): string {
    this.containers.pop();
    const parent = this.containers[this.containers.length - 1];
    if (parent !== undefined && parent.isArray) parent.counter++;
    this.states.pop();
    return '';
  }

  /** v3's JSON::addArgument; false cancels (SecArgumentsLimit, checked as v3's addArgument). */
  private addArgument(value: string): boolean {
    const path = this.path();
    const top = this.containers[this.containers.length - 1];
    let name: string;
    if (top !== undefined && top.isArray) {
      top.counter++;
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
