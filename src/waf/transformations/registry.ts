// Every SecLang transformation by name. Names are matched case-insensitively, as ModSecurity's
// lexer does (t:urlDecodeUni and t:URLDECODEUNI are the same).
import { base64Decode } from './base64-decode.js';
import { base64DecodeExt } from './base64-decode-ext.js';
import { base64Encode } from './base64-encode.js';
import { cmdLine } from './cmd-line.js';
import { compressWhitespace } from './compress-whitespace.js';
import { cssDecode } from './css-decode.js';
import { escapeSeqDecode } from './escape-seq-decode.js';
import { hexDecode } from './hex-decode.js';
import { hexEncode } from './hex-encode.js';
import { htmlEntityDecode } from './html-entity-decode.js';
import { jsDecode } from './js-decode.js';
import { length } from './length.js';
import { lowercase } from './lowercase.js';
import { md5 } from './md5.js';
import { none } from './none.js';
import { normalizePath } from './normalize-path.js';
import { normalizePathWin } from './normalize-path-win.js';
import { parityEven7bit } from './parity-even-7bit.js';
import { parityOdd7bit } from './parity-odd-7bit.js';
import { parityZero7bit } from './parity-zero-7bit.js';
import { removeComments } from './remove-comments.js';
import { removeCommentsChar } from './remove-comments-char.js';
import { removeNulls } from './remove-nulls.js';
import { removeWhitespace } from './remove-whitespace.js';
import { replaceComments } from './replace-comments.js';
import { replaceNulls } from './replace-nulls.js';
import { sha1 } from './sha1.js';
import { sqlHexDecode } from './sql-hex-decode.js';
import type { Transformation } from './transformation.js';
import { trim } from './trim.js';
import { trimLeft } from './trim-left.js';
import { trimRight } from './trim-right.js';
import { uppercase } from './uppercase.js';
import { urlDecode } from './url-decode.js';
import { urlDecodeUni } from './url-decode-uni.js';
import { urlEncode } from './url-encode.js';
import { utf8toUnicode } from './utf8-to-unicode.js';

const ALL: readonly Transformation[] = [
  none, lowercase, uppercase,
  urlDecode, urlDecodeUni, urlEncode,
  jsDecode, htmlEntityDecode, cssDecode, escapeSeqDecode, utf8toUnicode,
  removeNulls, replaceNulls, removeWhitespace, compressWhitespace,
  removeComments, removeCommentsChar, replaceComments, cmdLine,
  normalizePath, normalizePathWin,
  length, base64Decode, base64DecodeExt, base64Encode, hexDecode, hexEncode, sqlHexDecode,
  sha1, md5, trim, trimLeft, trimRight,
  parityEven7bit, parityOdd7bit, parityZero7bit,
];

/** Other spellings SecLang accepts, mapped to the transformation they name. */
const ALIASES: ReadonlyArray<readonly [string, Transformation]> = [
  ['normalisePath', normalizePath],
  ['normalisePathWin', normalizePathWin],
];

const BY_NAME: ReadonlyMap<string, Transformation> = new Map<string, Transformation>([
  ...ALL.map((t) => [t.name.toLowerCase(), t] as const),
  ...ALIASES.map(([alias, t]) => [alias.toLowerCase(), t] as const),
]);

/** The canonical names, as SecLang writes them (aliases such as normalisePath not included). */
export const TRANSFORMATION_NAMES: readonly string[] = Object.freeze(ALL.map((t) => t.name));

/** The transformation called `name` (without "t:", any case), or undefined if there is none. */
export function getTransformation(name: string): Transformation | undefined {
  return BY_NAME.get(name.toLowerCase());
}
