// Messages for the limits of body.ts that ModSecurity does not phrase itself.

/**
 * SecArgumentsLimit exceeded. v3 only turns this into REQBODY_ERROR for JSON (where it cancels
 * yajl; see json.ts); body.ts asks for an error from every processor, so the others use this.
 */
export function argumentsLimitMessage(maxArgs: number): string {
  return `Request body has more arguments than SecArgumentsLimit allows (${maxArgs})`;
}
