// @containsWord: the parameter occurs in the value with no letter right before or after it.
// libmodsecurity counts only A-Z and a-z as word characters (digits and "_" are boundaries);
// an empty parameter always matches, an empty value never does (unless the parameter is empty).
// Every occurrence is found with a Knuth-Morris-Pratt scan: linear in value + parameter, where
// repeated indexOf calls could take value x parameter on periodic text.
import type { Operator, OperatorFactory, OperatorRunContext } from './operator.js';
import { hasMacro } from './operator.js';

const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** KMP failure function: for each prefix length, the longest proper border. */
function borders(word: string): Int32Array {
  const b = new Int32Array(word.length + 1);
  b[0] = -1;
  let k = -1;
  for (let i = 0; i < word.length; i++) {
    while (k >= 0 && word.charCodeAt(k) !== word.charCodeAt(i)) k = b[k]!;
    k++;
    b[i + 1] = k;
  }
  return b;
}

function containsWord(value: string, word: string, b: Int32Array): boolean {
  if (word === '') return true;
  const m = word.length;
  let k = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    while (k >= 0 && word.charCodeAt(k) !== c) k = b[k]!;
    k++;
    if (k === m) {
      const start = i + 1 - m;
      if ((start === 0 || !isLetter(value.charCodeAt(start - 1))) && (i + 1 === value.length || !isLetter(value.charCodeAt(i + 1)))) {
        return true;
      }
      k = b[k]!;
    }
  }
  return false;
}

class StaticContainsWord implements Operator {
  private readonly borders: Int32Array;

  constructor(private readonly word: string) {
    this.borders = borders(word);
  }

  evaluate(_ctx: OperatorRunContext, value: string): boolean {
    return containsWord(value, this.word, this.borders);
  }
}

class DynamicContainsWord implements Operator {
  constructor(private readonly param: string) {}

  evaluate(ctx: OperatorRunContext, value: string): boolean {
    const word = ctx.expand(this.param);
    return containsWord(value, word, borders(word));
  }
}

export const containsWordOperator: OperatorFactory = {
  name: 'containsWord',
  create: (param) => (hasMacro(param) ? new DynamicContainsWord(param) : new StaticContainsWord(param)),
};
