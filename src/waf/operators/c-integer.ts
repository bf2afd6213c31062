// libmodsecurity reads numbers the C way: @eq with std::stoi (an int; anything unparsable or out
// of range becomes 0 through its catch), @ge @gt @le @lt with atoll (a long long, glibc clamping
// on overflow). Both skip leading C whitespace, take an optional sign and then decimal digits up
// to the first other byte ("12abc" is 12, "abc" and "" are 0, "0x10" is 0). Linear, no throws.

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
/** Up to 15 digits a double holds exactly. */
const EXACT_DIGITS = 15;

const isCSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

interface Scan {
  negative: boolean;
  /** Index of the first significant (non-leading-zero) digit. */
  start: number;
  /** Index after the last digit. */
  end: number;
  digits: boolean;
}

const scan: Scan = { negative: false, start: 0, end: 0, digits: false };

/** Fills `scan` (one shared object: no allocation per call; nothing here is re-entrant). */
function scanNumber(text: string): Scan {
  let i = 0;
  const n = text.length;
  while (i < n && isCSpace(text.charCodeAt(i))) i++;
  let negative = false;
  const sign = text.charCodeAt(i);
  if (sign === 0x2d || sign === 0x2b) {
    negative = sign === 0x2d;
    i++;
  }
  const first = i;
  while (i < n && text.charCodeAt(i) === 0x30) i++;
  const start = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  scan.negative = negative;
  scan.start = start;
  scan.end = i;
  scan.digits = i > first;
  return scan;
}

function smallValue(text: string, s: Scan): number {
  let v = 0;
  for (let i = s.start; i < s.end; i++) v = v * 10 + (text.charCodeAt(i) - 0x30);
  return s.negative ? -v : v;
}

/** std::stoi as libmodsecurity's @eq uses it, failures folded to 0. */
export function cStoi(text: string): number {
  const s = scanNumber(text);
  if (!s.digits || s.end - s.start > 10) return 0;
  const v = smallValue(text, s);
  return v > INT_MAX || v < INT_MIN ? 0 : v;
}

/**
 * atoll: a number when it is exact as one, else a bigint (clamped to the long long range).
 * JS compares numbers and bigints with < and > exactly, so callers need not care which.
 */
export function cAtoll(text: string): number | bigint {
  const s = scanNumber(text);
  if (!s.digits) return 0;
  const length = s.end - s.start;
  if (length <= EXACT_DIGITS) return smallValue(text, s);
  if (length > 19) return s.negative ? LLONG_MIN : LLONG_MAX;
  const magnitude = BigInt(text.slice(s.start, s.end));
  const v = s.negative ? -magnitude : magnitude;
  return v > LLONG_MAX ? LLONG_MAX : v < LLONG_MIN ? LLONG_MIN : v;
}
