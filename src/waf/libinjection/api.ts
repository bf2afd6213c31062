// The libinjection approach, in our own code: see sqli.ts and xss.ts. Inputs are byte strings.

export interface SqliResult {
  readonly isSqli: boolean;
  /** The token-type fingerprint that matched (e.g. "s&1UE"), or "" when none did. */
  readonly fingerprint: string;
}
