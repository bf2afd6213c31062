// GENERATED placeholder: regenerate with the generator (see gen/main.ts).
export const SQLI_FINGERPRINTS: readonly string[] = [];
