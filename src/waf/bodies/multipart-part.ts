// One part of a multipart body while it is being read: its header lines (v3's
// Multipart::process_part_header) and its data (process_part_data). The stream around it (lines,
// boundaries, the end) is multipart.ts.
//
// v3 quirk kept on purpose: a problem in a part header assigns the error message but does not stop
// the parser (process_part_header returns false, and its caller only stops on < 0). Parsing goes on
// with the part still in its header state, and the last message assigned is what v3 reports.

import type { MultipartFlags } from './body.js';
import { isCSpace } from './multipart-chars.js';
import { parseContentDisposition } from './multipart-disposition.js';

/** What header processing reads and writes outside the part. */
export interface MultipartContext {
  readonly flags: MultipartFlags;
  /** v3's m_flag_crlf_line: a CRLF-terminated line was seen (only MULTIPART_CRLF_LF_LINES shows it). */
  crlfLine: number;
  /** The last error v3 would have assigned (REQBODY_ERROR_MSG without its prefix), or "". */
  error: string;
  /**
   * Characters Content-Disposition parsing may still look at. v3 re-parses the header at every
   * blank line while a part stays in its header state; with folding lines in between, that is
   * quadratic. When the budget is spent we answer as v3 does when that parse throws (-99).
   */
  dispositionBudget: number;
}

/** A header as stored per part: v3 keys them case-insensitively. */
interface PartHeader {
  readonly name: string;
  value: string;
}

/** The Content-Disposition result for one (value, name, filename) input, for reuse. */
interface DispositionMemo {
  value: string;
  nameBefore: string;
  filenameBefore: string;
  nameAfter: string;
  filenameAfter: string;
  rc: number;
}

/** v3's MULTIPART_BUF_SIZE: the longest line it handles in one piece. */
export const MULTIPART_BUF_SIZE = 4096;

/** Removes trailing CR/LF, but, like v3's chomp, nothing when the string is only CR/LF. */
function chomp(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 0x0a || s.charCodeAt(end - 1) === 0x0d)) end--;
  return end === 0 ? s : s.slice(0, end);
}

/** SP or HTAB, the only folding whitespace RFC 2557 allows. */
function isFoldingBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

export class MultipartPart {
  name = '';
  filename = '';
  isFile = false;
  /** v3's m_mpp_state == 0: still reading header lines. */
  inHeaders = true;
  /** v3's m_mpp_substate_part_data_read: a data line was seen since the headers ended. */
  dataRead = false;
  invalidQuoting = 0;
  /** Completed header lines, as MULTIPART_PART_HEADERS will show them. */
  readonly headerLines: string[] = [];
  /** Text parts: the value (pieces appended as they come; V8 joins them lazily). */
  value = '';
  /** File parts: bytes of content. */
  size = 0;
  /** Whether this file part counts toward SecUploadFileLimit. */
  counted = false;
  /** The CRLF or LF that ended the previous data line (it may belong to the next boundary). */
  reserve = 0;
  /** By lower-cased name; created with the first header. */
  private headers: Map<string, PartHeader> | null = null;
  private lastHeaderLine = '';
  private lastHeaderName = '';
  private memo: DispositionMemo | null = null;

  /** The part's Content-Type header value, or "". */
  contentType(): string {
    return this.headers?.get('content-type')?.value ?? '';
  }

  /**
   * A header line: body[start, end) ends with '\n' and is shorter than MULTIPART_BUF_SIZE;
   * `hasNul` tells whether it contains a NUL byte (the caller knows already).
   */
  processHeaderLine(ctx: MultipartContext, body: string, start: number, end: number, hasNul: boolean): void {
    const line = body.slice(start, end);
    if (hasNul) {
      ctx.error = 'Multipart: Nul byte in part headers.';
      return;
    }
    const len = line.length;
    let contentEnd = len - 1; // without the line terminator
    if (len > 1 && line.charCodeAt(len - 2) === 0x0d) {
      ctx.crlfLine = 1;
      contentEnd--;
    } else {
      ctx.flags.lfLine = 1;
    }
    if (line === '\r\n' || line === '\n') this.endHeaders(ctx);
    else if (isCSpace(line.charCodeAt(0))) this.foldHeader(ctx, line);
    else this.addHeader(ctx, line, contentEnd);
  }

  /** Records the header line being built, if any. */
  private flushHeaderLine(): void {
    if (this.lastHeaderLine.length > 0) {
      this.headerLines.push(this.lastHeaderLine);
      this.lastHeaderLine = '';
    }
  }

  /** The blank line after the headers: Content-Disposition decides the part's name and type. */
  private endHeaders(ctx: MultipartContext): void {
    this.flushHeaderLine();
    const disposition = this.headers?.get('content-disposition');
    if (disposition === undefined) {
      ctx.error = 'Multipart: Part missing Content-Disposition header.';
      return;
    }
    const rc = this.parseDisposition(ctx, disposition.value);
    if (rc < 0) {
      ctx.error = `Multipart: Invalid Content-Disposition header (${rc}): ${disposition.value}`;
      return;
    }
    if (this.name.length === 0) {
      ctx.error = 'Multipart: Content-Disposition header missing name field.';
      return;
    }
    if (this.filename.length > 0) {
      // "Some parsers use crude methods to extract the name and filename values": refuse what they
      // would not see as a file (e.g. only filename*=, or "filename" spelled oddly).
      if (!disposition.value.includes('filename=')) {
        ctx.error = 'Multipart: Invalid Content-Disposition header (filename).';
        return;
      }
      this.isFile = true;
    } else {
      this.isFile = false;
    }
    this.inHeaders = false;
    this.dataRead = false;
    this.lastHeaderName = '';
  }

  /** Content-Disposition parsing, memoised: the same input gives the same result and state. */
  private parseDisposition(ctx: MultipartContext, value: string): number {
    const memo = this.memo;
    if (memo !== null && memo.value === value && memo.nameBefore === this.name && memo.filenameBefore === this.filename) {
      this.name = memo.nameAfter;
      this.filename = memo.filenameAfter;
      return memo.rc;
    }
    if (value.length > ctx.dispositionBudget) return -99;
    ctx.dispositionBudget -= value.length;
    const nameBefore = this.name;
    const filenameBefore = this.filename;
    const rc = parseContentDisposition(value, this);
    if (this.invalidQuoting) ctx.flags.invalidQuoting = 1;
    this.memo = { value, nameBefore, filenameBefore, nameAfter: this.name, filenameAfter: this.filename, rc };
    return rc;
  }

  /** A line starting with whitespace continues the previous header ("folding"). */
  private foldHeader(ctx: MultipartContext, line: string): void {
    ctx.flags.headerFolding = 1;
    // RFC 2557 allows only SP and HTAB; PHP takes any whitespace, so v3 accepts it with a flag.
    if (!isFoldingBlank(line.charCodeAt(0))) ctx.flags.invalidHeaderFolding = 1;
    const header = this.lastHeaderName.length > 0 ? this.headers?.get(this.lastHeaderName.toLowerCase()) : undefined;
    if (header === undefined) {
      ctx.error = 'Multipart: Invalid part header (folding error).';
      return;
    }
    let i = 0;
    while (i < line.length && isCSpace(line.charCodeAt(i))) {
      if (!isFoldingBlank(line.charCodeAt(i))) ctx.flags.invalidHeaderFolding = 1;
      i++;
    }
    header.value = header.value + ' ' + chomp(line.slice(i));
    if (header.value.length > MULTIPART_BUF_SIZE) {
      ctx.error = 'Multipart: Part header too long.'; // v3 keeps the long value all the same
      return;
    }
    this.lastHeaderLine = this.lastHeaderName + ': ' + header.value;
  }

  /** "Name: value". */
  private addHeader(ctx: MultipartContext, line: string, contentEnd: number): void {
    this.flushHeaderLine();
    const colon = line.indexOf(':');
    if (colon === -1) {
      ctx.error = 'Multipart: Invalid part header (colon missing): ' + line;
      return;
    }
    if (colon === 0) {
      ctx.error = 'Multipart: Invalid part header (header name missing).';
      return;
    }
    const name = line.slice(0, colon);
    for (let i = 0; i < colon; i++) {
      const c = name.charCodeAt(i);
      if (c < 33 || c > 126) {
        ctx.error = 'Multipart: Invalid part header (contains invalid character).';
        return;
      }
    }
    let v = colon + 1;
    while (line.charCodeAt(v) === 0x20 || line.charCodeAt(v) === 0x09) v++;
    const key = name.toLowerCase();
    this.headers ??= new Map<string, PartHeader>();
    if (this.headers.has(key)) {
      // v3 drops a repeated header silently: no error, and the line is not recorded. We record
      // the line (MULTIPART_PART_HEADERS), so that a second Content-Type or a
      // Content-Transfer-Encoding cannot hide behind a first header of the same name.
      this.lastHeaderLine = contentEnd > 0 ? line.slice(0, contentEnd) : '';
      return;
    }
    this.lastHeaderName = name;
    this.headers.set(key, { name, value: chomp(line.slice(v)) });
    this.lastHeaderLine = contentEnd > 0 ? line.slice(0, contentEnd) : '';
  }

  /**
   * A data line (or a piece of a long one): body[start, end). A final CRLF or LF is held back,
   * since it may be the start of the delimiter before the next boundary.
   */
  processData(body: string, start: number, end: number): void {
    this.dataRead = true;
    let reserved = 0;
    if (end - start >= 1 && body.charCodeAt(end - 1) === 0x0a) {
      reserved = end - start >= 2 && body.charCodeAt(end - 2) === 0x0d ? 2 : 1;
    }
    const dataEnd = end - reserved;
    if (this.isFile) {
      this.size += dataEnd - start + this.reserve;
    } else if (dataEnd > start) {
      // v3 quirk (process_part_data assigns the held-back bytes and then overwrites them): the
      // line breaks between the lines of a text field are lost, "2\r\n2.1" arrives as "22.1".
      // v3's own regression test (request-body-parser-multipart-crlf.json) expects exactly this.
      this.value += body.slice(start, dataEnd);
    }
    this.reserve = reserved;
  }
}
