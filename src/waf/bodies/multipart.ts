// The MULTIPART body processor: ModSecurity v3's multipart/form-data parser
// (src/request_body_processor/multipart.cc) on a whole body held as a byte string, with its flags,
// its quirks and its error messages.
//
// v3 reads the body byte by byte into a 4096-byte buffer and acts on each "line": the bytes up to
// and including a '\n', or 4096 bytes without one (4095 when the next byte is '\r', so that a CR
// never ends a full buffer). We cut the same lines out of the body by index, so every check sees
// exactly what v3's buffer held. Where v3 uses C string functions on that buffer (strlen, strncmp)
// a NUL byte ends the string for them, and for us.
//
// Stopping errors (a bad boundary line, an over-long header line) end the parse; v3 then still runs
// multipart_complete, whose "Final boundary missing." / "No boundaries found in payload." replaces
// the message, and which reports no ARGS/FILES at all when the final boundary is missing.

import type { BodyLimits, FilePart, MultipartFlags, ParsedBody } from './body.js';
import { argumentsLimitMessage } from './limits.js';
import { extractBoundary } from './multipart-boundary.js';
import { isCSpace } from './multipart-chars.js';
import { MULTIPART_BUF_SIZE, MultipartPart, type MultipartContext } from './multipart-part.js';
import { SubstringSearch } from './substring-search.js';

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

function emptyFlags(): MultipartFlags {
  return {
    strictError: 0,
    boundaryQuoted: 0,
    boundaryWhitespace: 0,
    dataBefore: 0,
    dataAfter: 0,
    headerFolding: 0,
    lfLine: 0,
    crlfLfLines: 0,
    missingSemicolon: 0,
    invalidQuoting: 0,
    invalidPart: 0,
    invalidHeaderFolding: 0,
    fileLimitExceeded: 0,
    unmatchedBoundary: 0,
  };
}

/** MULTIPART_STRICT_ERROR and MULTIPART_CRLF_LF_LINES, derived as in v3's multipart_complete. */
function deriveFlags(flags: MultipartFlags, flagError: boolean, crlfLine: boolean): void {
  const strict =
    flagError ||
    flags.boundaryQuoted !== 0 ||
    flags.boundaryWhitespace !== 0 ||
    flags.dataBefore !== 0 ||
    flags.dataAfter !== 0 ||
    flags.headerFolding !== 0 ||
    flags.lfLine !== 0 ||
    flags.missingSemicolon !== 0 ||
    flags.invalidQuoting !== 0 ||
    flags.invalidPart !== 0 ||
    flags.invalidHeaderFolding !== 0 ||
    flags.fileLimitExceeded !== 0;
  flags.strictError = strict ? 1 : 0;
  flags.crlfLfLines = crlfLine && flags.lfLine !== 0 ? 1 : 0;
}

class MultipartParser implements MultipartContext {
  readonly flags = emptyFlags();
  error = '';
  dispositionBudget: number;
  /** v3's m_flag_error: a refused Content-Type or a stopping error. */
  private flagError = false;
  /** v3's m_flag_crlf_line (reported only through MULTIPART_CRLF_LF_LINES). */
  crlfLine = 0;
  private readonly boundarySearch: SubstringSearch;
  // What the finished parts give; reported only if the body turns out complete (v3 adds them in
  // multipart_complete). Kept instead of the parts themselves, so a part dies young.
  private readonly args: Array<[string, string]> = [];
  private readonly files: FilePart[] = [];
  private argsExceeded = false;
  readonly partHeaders: Array<[string, string]> = [];
  private partHeadersBudget: number;
  private current: MultipartPart | null = null;
  private boundaryCount = 0;
  private isComplete = false;
  private stopped = false;
  /** v3's m_buf_contains_line: the current piece starts at the beginning of a line. */
  private bufContainsLine = true;
  /** v3's m_crlf_state_buf_end == 2: the previous piece ended with a bare LF. */
  private prevEndedWithBareLf = false;
  private fileCount = 0;
  /** Start of what is left in v3's buffer when the body runs out without a final '\n'. */
  private leftover = 0;
  // Next positions of '\n' and NUL at or after the current piece (-1: none left), so finding
  // them stays linear however long the stretches without them are.
  private nextLf = -2;
  private nextNul = -2;

  constructor(
    private readonly body: string,
    private readonly boundary: string,
    private readonly limits: BodyLimits,
  ) {
    this.boundarySearch = new SubstringSearch('--' + boundary);
    this.dispositionBudget = 2 * body.length + 65536;
    this.partHeadersBudget = 2 * body.length + 65536;
  }

  applyBoundaryFlags(quoted: number, whitespace: number, missingSemicolon: number): void {
    this.flags.boundaryQuoted = quoted;
    this.flags.boundaryWhitespace = whitespace;
    this.flags.missingSemicolon = missingSemicolon;
  }

  /** Feeds the whole body through v3's line machine. */
  run(): void {
    const body = this.body;
    const len = body.length;
    let start = 0;
    while (start < len) {
      const piece = this.nextPiece(start);
      if (piece < 0) break; // the rest stays in v3's buffer for multipart_complete
      const end = piece;
      const last = body.charCodeAt(end - 1);
      // A piece cut short before a CR (v3's process_buffer) does not contain that CR.
      const cutBeforeCr = last !== LF && end - start === MULTIPART_BUF_SIZE - 1;
      this.processPiece(start, end, cutBeforeCr);
      if (this.stopped) return;
      this.bufContainsLine = last === LF;
      this.prevEndedWithBareLf = last === LF && !(end >= 2 && body.charCodeAt(end - 2) === CR);
      start = end;
      if (this.isComplete && start < len) {
        this.flags.dataAfter = 1;
        this.leftover = len;
        return;
      }
    }
    this.leftover = start;
  }

  /** End (exclusive) of the piece v3 would process next, or -1 if the body ends first. */
  private nextPiece(start: number): number {
    const body = this.body;
    if (this.nextLf !== -1 && this.nextLf < start) this.nextLf = body.indexOf('\n', start);
    const full = start + MULTIPART_BUF_SIZE;
    if (this.nextLf !== -1 && this.nextLf < full) return this.nextLf + 1;
    if (full - 1 < body.length && body.charCodeAt(full - 1) === CR) return full - 1;
    return full <= body.length ? full : -1;
  }

  /** End of the piece for C string functions: its first NUL byte, if any. */
  private cStringEnd(start: number, end: number): number {
    if (this.nextNul !== -1 && this.nextNul < start) this.nextNul = this.body.indexOf('\0', start);
    return this.nextNul !== -1 && this.nextNul < end ? this.nextNul : end;
  }

  private stop(message: string): void {
    this.flagError = true;
    this.error = message;
    this.stopped = true;
  }

  private processPiece(start: number, end: number, cutBeforeCr: boolean): void {
    const body = this.body;
    const cEnd = this.cStringEnd(start, end);
    let asBoundary = false;
    if (this.bufContainsLine && cEnd - start > 3 && body.charCodeAt(start) === DASH && body.charCodeAt(start + 1) === DASH) {
      asBoundary = this.boundaryLine(start, cEnd);
      if (this.stopped) return;
    } else if (this.bufContainsLine && this.boundarySearch.occursIn(body, start, end)) {
      this.flags.unmatchedBoundary = 1; // "--boundary" somewhere inside a line
    }
    if (asBoundary) return;
    const part = this.current;
    if (part === null) {
      this.flags.dataBefore = 1;
    } else if (part.inHeaders) {
      if (end - start === MULTIPART_BUF_SIZE || cutBeforeCr) {
        this.stop(`Multipart: Part header line over ${MULTIPART_BUF_SIZE} bytes long`);
        return;
      }
      part.processHeaderLine(this, body, start, end, cEnd < end);
    } else {
      if (part.isFile) this.countFile(part);
      part.processData(body, start, end);
    }
  }

  /**
   * A line starting with "--" (at least 4 bytes before any NUL). Returns whether it was taken as
   * a boundary; sets `stopped` for v3's stopping errors.
   */
  private boundaryLine(start: number, cEnd: number): boolean {
    const body = this.body;
    const boundary = this.boundary;
    const blen = boundary.length;
    if (cEnd - start >= blen + 2 && body.startsWith(boundary, start + 2)) {
      if (this.prevEndedWithBareLf) this.flags.lfLine = 1;
      const part = this.current;
      if (part !== null && !part.dataRead && this.boundaryCount > 0) {
        // The boundary sits where the part's data should begin: v3 flags the part and then
        // treats the line as header or data of the current part.
        this.flags.invalidPart = 1;
        return false;
      }
      // v3 sets 2 (not 1) for a matching boundary after the first, so "@eq 1" rules only see
      // boundaries that did not match.
      if (this.boundaryCount > 0) this.flags.unmatchedBoundary = 2;
      let at = start + 2 + blen;
      let isFinal = false;
      if (at + 1 < cEnd && body.charCodeAt(at) === DASH && body.charCodeAt(at + 1) === DASH) {
        isFinal = true;
        at += 2;
        if (this.isComplete) {
          this.stop('Multipart: Invalid boundary (final duplicate).');
          return false;
        }
      }
      const crlf = at + 2 === cEnd && body.charCodeAt(at) === CR && body.charCodeAt(at + 1) === LF;
      const lf = at + 1 === cEnd && body.charCodeAt(at) === LF;
      if (!crlf && !lf) {
        this.stop('Multipart: Invalid boundary: ' + body.slice(start, cEnd));
        return false;
      }
      if (lf) this.flags.lfLine = 1;
      else this.crlfLine = 1;
      this.endPart(isFinal);
      if (isFinal) this.isComplete = true;
      this.boundaryCount++;
      return true;
    }
    // It looks like a boundary but is not ours.
    if (this.flags.boundaryQuoted && cEnd - start >= blen + 3 && body.charCodeAt(start + 2) === 0x22 && body.startsWith(boundary, start + 3)) {
      this.stop('Multipart: Invalid boundary (quotes).');
      return false;
    }
    let p = start + 2;
    while (p < cEnd && isCSpace(body.charCodeAt(p))) p++;
    if (p !== start + 2 && cEnd - p >= blen && body.startsWith(boundary, p)) {
      this.stop('Multipart: Invalid boundary (whitespace).');
      return false;
    }
    this.flags.unmatchedBoundary = 1;
    return false;
  }

  /** v3's process_boundary: closes the current part and, unless final, opens the next. */
  private endPart(isFinal: boolean): void {
    const part = this.current;
    if (part !== null) {
      for (const line of part.headerLines) this.recordPartHeader(part.name, line);
      if (part.name.length === 0) this.flags.invalidPart = 1;
      else if (part.isFile) this.files.push({ field: part.name, filename: part.filename, size: part.size, contentType: part.contentType() });
      else if (this.args.length < this.limits.maxArgs) this.args.push([part.name, part.value]);
      else this.argsExceeded = true;
      this.current = null;
    }
    if (!isFinal) this.current = new MultipartPart();
  }

  private recordPartHeader(name: string, line: string): void {
    // Folding can make a recorded line longer than the bytes that produced it, once per blank
    // line; a budget keeps MULTIPART_PART_HEADERS linear in the body.
    if (line.length > this.partHeadersBudget) {
      this.error = 'Multipart: Part headers too large.';
      return;
    }
    this.partHeadersBudget -= line.length;
    this.partHeaders.push([name, line]);
  }

  /**
   * SecUploadFileLimit, checked on each data piece of a file part. v3 checks it only when it
   * extracts files (SecUploadKeepFiles / SecTmpSaveUploadedFiles), and then also on the second
   * piece of the last allowed file (flagging a limit that was not exceeded). We always check,
   * once per file part: the part after the first maxFiles sets the flag (body.ts).
   */
  private countFile(part: MultipartPart): void {
    if (part.counted) return;
    const max = this.limits.maxFiles;
    if (max > 0 && this.fileCount >= max) {
      if (this.flags.fileLimitExceeded === 0) {
        this.flags.fileLimitExceeded = 1;
        this.error = `Multipart: Upload file limit exceeded ${max}. Use SecUploadFileLimit to change the limit.`;
      }
      return;
    }
    part.counted = true;
    this.fileCount++;
  }

  /** v3's multipart_complete: the end of the body. Returns whether the parts are reported. */
  complete(): boolean {
    if (this.body.length > 0 && !this.isComplete) {
      if (this.boundaryCount === 0) {
        this.error = 'Multipart: No boundaries found in payload.';
        return false;
      }
      if (!this.stopped && this.bufContainsLine && this.body.length - this.leftover === this.boundary.length + 4) {
        this.finalBoundaryWithoutLineEnd();
      }
      if (!this.isComplete) {
        this.error = 'Multipart: Final boundary missing.';
        return false;
      }
    }
    return true;
  }

  /** A body ending in "--boundary--" without CRLF: v3 accepts it here. */
  private finalBoundaryWithoutLineEnd(): void {
    const body = this.body;
    const at = this.leftover;
    const isFinal =
      body.charCodeAt(at) === DASH &&
      body.charCodeAt(at + 1) === DASH &&
      body.startsWith(this.boundary, at + 2) &&
      body.charCodeAt(at + 2 + this.boundary.length) === DASH &&
      body.charCodeAt(at + 3 + this.boundary.length) === DASH;
    if (!isFinal) return;
    if (this.prevEndedWithBareLf) this.flags.lfLine = 1;
    const part = this.current;
    if (part !== null && !part.dataRead) this.flags.invalidPart = 1; // "data contains final boundary"
    this.endPart(true);
    this.isComplete = true;
  }

  result(reported: boolean): ParsedBody {
    deriveFlags(this.flags, this.flagError, this.crlfLine !== 0);
    const args = reported ? this.args : [];
    const files = reported ? this.files : [];
    if (reported && this.argsExceeded && this.error.length === 0) this.error = argumentsLimitMessage(this.limits.maxArgs);
    const error = this.error.length > 0 ? 'Multipart parsing error: ' + this.error : undefined;
    return error === undefined
      ? { args, files, partHeaders: this.partHeaders, multipart: this.flags }
      : { args, files, partHeaders: this.partHeaders, multipart: this.flags, error };
  }

  /** Marks a refused Content-Type (v3's m_flag_error from init). */
  refuse(message: string): void {
    this.flagError = true;
    this.error = message;
  }
}

/** The MULTIPART body processor. Never throws; linear in the body. */
export function processMultipart(body: string, contentType: string, limits: BodyLimits): ParsedBody {
  const info = extractBoundary(contentType);
  const parser = new MultipartParser(body, info.boundary, limits);
  parser.applyBoundaryFlags(info.boundaryQuoted, info.boundaryWhitespace, info.missingSemicolon);
  if (info.error !== undefined) {
    parser.refuse(info.error);
    return parser.result(false);
  }
  parser.run();
  return parser.result(parser.complete());
}
