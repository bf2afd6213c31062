// Token types of the SQL tokenizer and the context flags of one fingerprinting pass.
//
// A token type is the char code of the one letter that stands for it in a fingerprint, so a
// fingerprint is just the types of its tokens side by side ("s&1UE"). The letters follow the
// convention of libinjection fingerprints, which ModSecurity logs and CRS users recognise.

export const T_NONE = 0;
export const T_KEYWORD = 0x6b; // k   FROM, WHERE, INTO OUTFILE, ...
export const T_UNION = 0x55; // U     UNION, UNION ALL, INTERSECT, EXCEPT
export const T_GROUP = 0x42; // B     ORDER BY, GROUP BY, HAVING, LIMIT
export const T_EXPRESSION = 0x45; // E  statement verbs: SELECT, INSERT, DROP TABLE, ...
export const T_SQLTYPE = 0x74; // t   INT, VARCHAR, SIGNED, ...
export const T_FUNCTION = 0x66; // f  SLEEP, CHAR, CONCAT, ...
export const T_BAREWORD = 0x6e; // n  any other name
export const T_NUMBER = 0x31; // 1    123, 0x1F, 1.5e3, NULL, TRUE
export const T_VARIABLE = 0x76; // v  @x, @@version
export const T_STRING = 0x73; // s    'text', "text", N'text', $$text$$
export const T_OPERATOR = 0x6f; // o  = < + LIKE IS NOT ...
export const T_LOGIC = 0x26; // &     AND OR XOR && ||
export const T_COMMENT = 0x63; // c   -- x, # x, /* x */
export const T_COLLATE = 0x41; // A   COLLATE
export const T_LPAREN = 0x28; // (
export const T_RPAREN = 0x29; // )
export const T_LBRACE = 0x7b; // {
export const T_RBRACE = 0x7d; // }
export const T_DOT = 0x2e; // .
export const T_COMMA = 0x2c; // ,
export const T_COLON = 0x3a; // :
export const T_SEMICOLON = 0x3b; // ;
export const T_TSQL = 0x54; // T      DECLARE, EXEC, WAITFOR DELAY (procedural statements)
export const T_UNKNOWN = 0x3f; // ?   a byte with no SQL meaning
export const T_EVIL = 0x58; // X      input that cannot be tokenized reliably (/*! ... */, nested comments)
export const T_BACKSLASH = 0x5c; // \

/** All types, in one string: the alphabet of fingerprints. */
export const TYPE_LETTERS = 'kUBEtfn1vsoc&A(){}.,:;T?X\\';

// Flags of a pass: how the input starts (as-is, or as if already inside a quoted string) and
// which comment rules apply. The values match libinjection's so that they read the same.
export const QUOTE_NONE = 1;
export const QUOTE_SINGLE = 2;
export const QUOTE_DOUBLE = 4;
export const SQL_ANSI = 8;
export const SQL_MYSQL = 16;

// Per-word flags from the keyword table, carried on tokens.
/** A function that is a function even without parentheses (CURRENT_USER, XP_CMDSHELL). */
export const W_NILADIC = 1;
/** IN / NOT IN: an operator before "(", a plain word otherwise. */
export const W_IN = 2;
/** LIKE and friends: a function when followed by "(" (MySQL accepts LIKE(a, b)). */
export const W_LIKE = 4;
/** IF: a function in MySQL, a statement after ";" in T-SQL. */
export const W_IF = 8;
/** A function whose mere call is an attack (delays, file and network access, server facts). */
export const W_ATTACK = 16;
