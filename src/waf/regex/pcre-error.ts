// The error every PCRE compile problem is reported with (re-exported by pcre.ts).

export class PcreError extends Error {
  override name = 'PcreError';
}
