// What the request body processors give the engine. A processor never throws on bad input: a
// body it cannot read yields `error` (REQBODY_ERROR / REQBODY_ERROR_MSG) and whatever it read
// before the problem. Inputs and all strings here are byte strings (see ../README.md).

export type BodyProcessorName = 'URLENCODED' | 'MULTIPART' | 'JSON' | 'XML';

export interface BodyLimits {
  /** SecArgumentsLimit: arguments beyond this are an error (REQBODY_ERROR), not silently kept. */
  readonly maxArgs: number;
  /** SecRequestBodyJsonDepthLimit: nesting deeper than this is an error. */
  readonly jsonDepth: number;
  /** SecUploadFileLimit: file parts beyond this set MULTIPART_FILE_LIMIT_EXCEEDED. */
  readonly maxFiles: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = Object.freeze({ maxArgs: 1000, jsonDepth: 10000, maxFiles: 100 });

/** One file part of a multipart body. */
export interface FilePart {
  /** The form field name (FILES_NAMES). */
  readonly field: string;
  /** The client's file name (FILES). */
  readonly filename: string;
  /** Bytes of content (FILES_SIZES). */
  readonly size: number;
  /** The part's Content-Type, or "". */
  readonly contentType: string;
}

/** ModSecurity's multipart strictness flags (each 0 or 1), MULTIPART_* variables. */
export interface MultipartFlags {
  strictError: number;
  boundaryQuoted: number;
  boundaryWhitespace: number;
  dataBefore: number;
  dataAfter: number;
  headerFolding: number;
  lfLine: number;
  crlfLfLines: number;
  missingSemicolon: number;
  invalidQuoting: number;
  invalidPart: number;
  invalidHeaderFolding: number;
  fileLimitExceeded: number;
  unmatchedBoundary: number;
}

/** A parsed XML document, queried with the XPath forms rules use (XML:/*, XML://@*, ...). */
export interface XmlDocument {
  /**
   * The string values of the nodes `expression` selects, in document order. Throws an Error with
   * a readable message for an expression outside the supported subset.
   */
  select(expression: string): string[];
}

export interface ParsedBody {
  /** ARGS_POST, in body order (name, value). */
  readonly args: Array<[string, string]>;
  /** File parts (multipart only). */
  readonly files: FilePart[];
  /** MULTIPART_PART_HEADERS: (part's field name, the whole header line) for every part header. */
  readonly partHeaders: Array<[string, string]>;
  /** Multipart flags (multipart only). */
  readonly multipart?: MultipartFlags;
  /** The document (XML only, when it parsed). */
  readonly xml?: XmlDocument;
  /** Why the body could not be processed (REQBODY_ERROR_MSG), if it could not. */
  readonly error?: string;
}
