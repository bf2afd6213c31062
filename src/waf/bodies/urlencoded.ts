// application/x-www-form-urlencoded arguments, split the way ModSecurity v3 splits QUERY_STRING
// and URLENCODED bodies (Transaction::extractArguments):
// - the string is cut at every separator with getline() semantics: "a&&b" gives three pieces
//   (the middle one empty), a trailing separator gives no empty last piece, "" gives none;
// - each piece is cut at its first '=' (ssplit_pair): "a" is name "a" with value "", "=v" is
//   name "" with value "v", and an empty piece is an argument with empty name and value;
// - name and value are then URL-decoded non-strictly (see url-decode.ts).

import type { ParsedBody } from './body.js';
import { hasInvalidUrlEscape, urlDecodeNonStrict } from './url-decode.js';
import { argumentsLimitMessage } from './limits.js';

/** The byte v3 splits on: the first character of SecArgumentSeparator, '&' by default. */
function separatorCode(separator: string | undefined): number {
  return separator !== undefined && separator.length > 0 ? separator.charCodeAt(0) : 0x26;
}

/**
 * Splits `text` into at most `max` arguments; `exceeded` tells whether more were there. Linear:
 * the next '=' is searched once and reused while it lies ahead (a search per piece would be
 * quadratic on "a&a&a...").
 */
export function splitUrlEncoded(
  text: string,
  separator: string | undefined,
  max: number,
): { args: Array<[string, string]>; exceeded: boolean } {
  const sep = String.fromCharCode(separatorCode(separator));
  const args: Array<[string, string]> = [];
  const len = text.length;
  let start = 0;
  let nextEq = -2; // position of the next '=' at or after `start`, -1 when there is none, -2 unknown
  while (start < len) {
    if (args.length >= max) return { args, exceeded: true };
    let end = text.indexOf(sep, start);
    if (end === -1) end = len;
    if (nextEq !== -1 && nextEq < start) nextEq = text.indexOf('=', start);
    let name: string;
    let value: string;
    if (nextEq !== -1 && nextEq < end) {
      name = text.slice(start, nextEq);
      value = text.slice(nextEq + 1, end);
    } else {
      name = text.slice(start, end);
      value = '';
    }
    args.push([urlDecodeNonStrict(name), urlDecodeNonStrict(value)]);
    start = end + 1;
  }
  return { args, exceeded: false };
}

/** QUERY_STRING -> ARGS_GET, or a URLENCODED body -> ARGS_POST, with ModSecurity's rules. */
export function parseUrlEncoded(text: string, separator?: string): Array<[string, string]> {
  return splitUrlEncoded(text, separator, Number.POSITIVE_INFINITY).args;
}

/**
 * URLENCODED_ERROR as v3 computes it for a query string or body: some argument VALUE has a '%'
 * that is not a valid escape. Only values count: v3 decodes the name and then the value with the
 * same counter, which the value's decoding resets first.
 */
export function urlEncodedError(text: string, separator?: string): boolean {
  const sep = String.fromCharCode(separatorCode(separator));
  const len = text.length;
  let start = 0;
  // Next '%' and '=' at or after `start`, searched again only once passed (linear overall).
  let percent = text.indexOf('%');
  let eq = -2;
  while (start < len && percent !== -1) {
    let end = text.indexOf(sep, start);
    if (end === -1) end = len;
    if (percent < start) percent = text.indexOf('%', start);
    if (percent === -1) return false;
    if (percent < end) {
      if (eq !== -1 && eq < start) eq = text.indexOf('=', start);
      if (eq !== -1 && eq < end && hasInvalidUrlEscape(text.slice(eq + 1, end))) return true;
    }
    start = end + 1;
  }
  return false;
}

/** The URLENCODED body processor: ARGS_POST, with SecArgumentsLimit as an error. */
export function processUrlEncoded(body: string, maxArgs: number): ParsedBody {
  const { args, exceeded } = splitUrlEncoded(body, undefined, maxArgs);
  if (exceeded) return { args, files: [], partHeaders: [], error: argumentsLimitMessage(maxArgs) };
  return { args, files: [], partHeaders: [] };
}
