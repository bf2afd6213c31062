// `portcullis crs install`: download an OWASP CRS release archive, check its SHA-256 before
// anything is unpacked, unpack it safely, and make it what `waf.crs: auto` finds.
//
// On disk, under <dataDir>/crs/:
//   <version>/                 one directory per installed version, never changed once there
//                              (with .portcullis-crs.json: version, sha256, url, time)
//   current -> <version>       a relative symlink (or a one-line pointer file where symlinks
//                              can't be made), replaced by rename(2) so it is always whole
//   .staging-<v>-<pid>-<rand>  an install under way; renamed to <version> only once verified
// An interrupted install leaves at most a staging directory (removed by the next install) and
// never touches the version that is current.
//
// The tar reader is our own (ustar, pax and GNU long names over node:zlib), deliberately small:
// regular files and directories are written; symlinks only when they stay inside the tree and
// hard links only to files already unpacked (copied); absolute paths, '..' segments, devices,
// FIFOs and unknown entry types refuse the whole archive.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { INSTALL_MARKER, SUPPORTED_CRS_MAJOR, crsVersion, hasRulesConf } from './locate.js';

const gunzip = promisify(zlib.gunzip);

/** The bound on the downloaded archive (CRS releases are 1–3 MB). */
export const MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024;
/** The bound on what the archive unpacks to, and on its number of entries. */
export const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;
export const MAX_ENTRIES = 50_000;
export const DOWNLOAD_TIMEOUT_MS = 120_000;
export const CHECKSUM_TIMEOUT_MS = 30_000;

/** A failure with a message meant for the person running the install. */
export class CrsInstallError extends Error {
  override readonly name = 'CrsInstallError';
}

export interface InstallCrsOptions {
  /** x.y.z (a leading 'v' is accepted). */
  readonly version: string;
  readonly dataDir: string;
  /** The archive; default: the release's source archive on GitHub (see defaultCrsUrl). */
  readonly url?: string;
  /** The expected SHA-256 (hex, or "sha256:<hex>"); else <url>.sha256 is fetched. */
  readonly sha256?: string;
  readonly fetch?: typeof fetch;
  readonly log?: (line: string) => void;
  /** Bound on the archive download (default MAX_DOWNLOAD_BYTES). */
  readonly maxBytes?: number;
  /** Bound on the archive download's time, headers to last byte (default DOWNLOAD_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

export interface InstalledCrs {
  readonly dir: string;
  readonly version: string;
  readonly sha256: string;
}

/**
 * The official CRS v4 release download: the tag's source archive, which unpacks to
 * coreruleset-<version>/. It is what the CRS documentation tells users to download, and the
 * file the project signs (coreruleset-<version>.tar.gz.asc on the release). The project
 * publishes GPG signatures, not SHA-256 sum files, so with this URL the hash has to be given.
 */
export function defaultCrsUrl(version: string): string {
  return `https://github.com/coreruleset/coreruleset/archive/refs/tags/v${version}.tar.gz`;
}

const VERSION_RE = /^\d{1,4}\.\d{1,4}\.\d{1,4}(?:-[0-9A-Za-z][0-9A-Za-z.]{0,31})?$/;
const HEX64_RE = /^[0-9a-f]{64}$/;

/** "4.9.0" from "4.9.0" or "v4.9.0"; throws on anything that is not a plain version. */
export function normalizeVersion(version: string): string {
  const v = version.trim().replace(/^v/, '');
  if (!VERSION_RE.test(v)) throw new CrsInstallError(`"${version}" is not a CRS version (expected x.y.z, e.g. 4.9.0)`);
  if (Number(v.split('.')[0]) !== SUPPORTED_CRS_MAJOR) throw new CrsInstallError(`Portcullis runs OWASP CRS v${SUPPORTED_CRS_MAJOR}; ${v} is not one`);
  return v;
}

function normalizeSha256(value: string): string {
  const hex = value.trim().toLowerCase().replace(/^sha256[:=]/, '');
  if (!HEX64_RE.test(hex)) throw new CrsInstallError(`--sha256 must be 64 hex digits, got "${value}"`);
  return hex;
}

/**
 * The hash for `fileName` in a checksum file: `sha256sum` lines ("<hex>  name", "<hex> *name"),
 * BSD lines ("SHA256 (name) = <hex>") or a bare hash. With one entry, that entry; with several,
 * the one naming `fileName`.
 */
export function parseChecksumFile(text: string, fileName: string): string | undefined {
  const entries: { hex: string; name: string | undefined }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let m = /^([0-9a-fA-F]{64})(?:\s+\*?(.+))?$/.exec(line);
    if (m?.[1]) {
      entries.push({ hex: m[1].toLowerCase(), name: m[2]?.trim() });
      continue;
    }
    m = /^SHA256\s*\((.+)\)\s*=\s*([0-9a-fA-F]{64})$/.exec(line);
    if (m?.[1] && m[2]) entries.push({ hex: m[2].toLowerCase(), name: m[1] });
  }
  if (entries.length === 1) return entries[0]?.hex;
  const base = (n: string) => n.replace(/^.*[/\\]/, '');
  return entries.find((e) => e.name !== undefined && base(e.name) === fileName)?.hex;
}

function reason(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    if (cause instanceof Error) return `${err.message} (${cause.message})`;
    return err.message;
  }
  return String(err);
}

interface DownloadOptions {
  readonly fetchImpl: typeof fetch;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** An HTTP error status, kept so a missing checksum file can be told from a failing one. */
class HttpError extends CrsInstallError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** GETs `url` (redirects followed) into memory, within the size and time bounds. */
async function download(url: string, what: string, o: DownloadOptions): Promise<Buffer> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  let res: Response;
  try {
    res = await o.fetchImpl(url, { redirect: 'follow', signal, headers: { 'user-agent': 'portcullis-crs-install' } });
  } catch (err) {
    const why = reason(err);
    throw new CrsInstallError(`cannot download the ${what} ${url}: ${why === 'timed out' ? `timed out after ${o.timeoutMs / 1000}s` : why}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new HttpError(`downloading the ${what} ${url} failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, res.status);
  }
  const tooBig = () => new CrsInstallError(`the ${what} ${url} is larger than ${formatBytes(o.maxBytes)}; refusing it`);
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > o.maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    if (res.body) {
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > o.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooBig();
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    }
  } catch (err) {
    if (err instanceof CrsInstallError) throw err;
    const why = reason(err);
    throw new CrsInstallError(`downloading the ${what} ${url} broke off: ${why === 'timed out' ? `timed out after ${o.timeoutMs / 1000}s` : why}`);
  }
  return Buffer.concat(chunks, total);
}


function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MB` : `${n} bytes`;
}

function isLoopback(u: URL): boolean {
  const h = u.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The expected hash from the checksum file published next to the archive. */
async function publishedSha256(url: string, version: string, o: DownloadOptions, log: (l: string) => void): Promise<string> {
  const u = new URL(url);
  const fileName = decodeURIComponent(u.pathname.replace(/^.*\//, ''));
  u.pathname += '.sha256';
  u.hash = '';
  const sumsUrl = u.href;
  const howTo =
    `Check the archive yourself (the CRS signs its releases: gpg --verify coreruleset-${version}.tar.gz.asc ` +
    `${fileName}, see https://coreruleset.org/docs/) and pass its hash: ` +
    `portcullis crs install ${version} --sha256 <the hex of sha256sum ${fileName}>`;
  if (u.protocol !== 'https:' && !isLoopback(u)) {
    throw new CrsInstallError(`refusing to install unverified: a checksum fetched over ${u.protocol.replace(':', '')} proves nothing. ${howTo}`);
  }
  log(`fetching the checksum ${sumsUrl}`);
  let text: string;
  try {
    text = (await download(sumsUrl, 'checksum', { ...o, maxBytes: 64 * 1024, timeoutMs: Math.min(o.timeoutMs, CHECKSUM_TIMEOUT_MS) })).toString('utf8');
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) {
      throw new CrsInstallError(`refusing to install unverified: no SHA-256 checksum is published at ${sumsUrl} (HTTP 404). ${howTo}`);
    }
    const msg = err instanceof Error ? err.message : String(err);
    throw new CrsInstallError(`refusing to install unverified: ${msg}. ${howTo}`);
  }
  const hex = parseChecksumFile(text, fileName);
  if (hex === undefined) throw new CrsInstallError(`refusing to install unverified: ${sumsUrl} has no SHA-256 for ${fileName}. ${howTo}`);
  return hex;
}

// ---------------------------------------------------------------------------------------------
// The tar reader

type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink';

export interface TarEntry {
  /** As written in the archive (pax path, GNU long name or ustar prefix/name). */
  readonly name: string;
  readonly type: EntryType;
  readonly mode: number;
  /** For symlinks and hard links. */
  readonly linkname: string;
  readonly data: Buffer;
}

const BLOCK = 512;

function cString(buf: Buffer, start: number, len: number): string {
  const field = buf.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

function tarNumber(buf: Buffer, start: number, len: number, what: string): number {
  const field = buf.subarray(start, start + len);
  const first = field[0] ?? 0;
  if (first & 0x80) {
    // base-256 (GNU, for values that do not fit the octal field); negative values are refused
    if (first & 0x40) throw new CrsInstallError(`bad archive: negative ${what}`);
    let n = first & 0x3f;
    for (let i = 1; i < field.length; i++) {
      n = n * 256 + (field[i] ?? 0);
      if (n > Number.MAX_SAFE_INTEGER) throw new CrsInstallError(`bad archive: ${what} too large`);
    }
    return n;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^[ \0]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new CrsInstallError(`bad archive: ${what} field is not octal ("${text}")`);
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let stored: number;
  try {
    stored = tarNumber(header, 148, 8, 'checksum');
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    if (space === -1) throw new CrsInstallError('bad archive: malformed pax header');
    const len = Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= space - pos || pos + len > data.length) throw new CrsInstallError('bad archive: malformed pax header');
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8'); // without the trailing \n
    const eq = record.indexOf('=');
    if (eq === -1) throw new CrsInstallError('bad archive: malformed pax record');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** Reads an uncompressed tar into its entries; refuses devices, FIFOs and unknown types. */
export function readTar(tar: Buffer, maxEntries = MAX_ENTRIES): TarEntry[] {
  const entries: TarEntry[] = [];
  let pos = 0;
  let pax: Map<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    if (pos + BLOCK > tar.length) throw new CrsInstallError('bad archive: truncated tar (no end-of-archive marker)');
    const header = tar.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) throw new CrsInstallError(`bad archive: header checksum mismatch at offset ${pos} (not a tar file?)`);
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const paxSize = pax?.get('size');
    const size = paxSize !== undefined && /^\d+$/.test(paxSize) ? Number(paxSize) : tarNumber(header, 124, 12, 'size');
    const dataStart = pos + BLOCK;
    if (dataStart + size > tar.length) throw new CrsInstallError('bad archive: truncated tar (an entry runs past the end)');
    const data = tar.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (typeflag === 'g') continue; // global pax header (git archive puts the commit id there)
    if (typeflag === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (typeflag === 'K') {
      longLink = cString(data, 0, data.length);
      continue;
    }

    const magic = header.subarray(257, 263).toString('latin1');
    const prefix = magic === 'ustar\0' ? cString(header, 345, 155) : '';
    const ustarName = cString(header, 0, 100);
    const name = pax?.get('path') ?? longName ?? (prefix !== '' ? `${prefix}/${ustarName}` : ustarName);
    const linkname = pax?.get('linkpath') ?? longLink ?? cString(header, 157, 100);
    const mode = tarNumber(header, 100, 8, 'mode');
    pax = undefined;
    longName = undefined;
    longLink = undefined;

    let type: EntryType;
    switch (typeflag) {
      case '0':
      case '\0':
      case '7':
        type = name.endsWith('/') ? 'dir' : 'file';
        break;
      case '5':
        type = 'dir';
        break;
      case '2':
        type = 'symlink';
        break;
      case '1':
        type = 'hardlink';
        break;
      case '3':
      case '4':
        throw new CrsInstallError(`bad archive: ${name} is a device file`);
      case '6':
        throw new CrsInstallError(`bad archive: ${name} is a FIFO`);
      default:
        throw new CrsInstallError(`bad archive: ${name} has an unsupported entry type '${typeflag}'`);
    }
    entries.push({ name, type, mode, linkname, data: type === 'file' ? data : Buffer.alloc(0) });
    if (entries.length > maxEntries) throw new CrsInstallError(`bad archive: more than ${maxEntries} entries`);
  }
  return entries;
}

/** The path's segments, or a reason it is refused (absolute, '..', backslashes, NUL, drive). */
function safeSegments(name: string): string[] | string {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'has a drive letter';
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return "has a '..' segment";
  return segments;
}

/**
 * Unpacks a .tar.gz into `dest` (which must exist and be empty), without its top-level
 * directory. Refuses the whole archive, before writing anything, for any unsafe entry.
 */
export async function extractTarGz(gz: Buffer, dest: string, limits: { maxUnpackedBytes?: number; maxEntries?: number } = {}): Promise<void> {
  const maxUnpacked = limits.maxUnpackedBytes ?? MAX_UNPACKED_BYTES;
  let tar: Buffer;
  try {
    tar = await gunzip(gz, { maxOutputLength: maxUnpacked });
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CrsInstallError(`bad archive: it unpacks to more than ${formatBytes(maxUnpacked)}`);
    }
    throw new CrsInstallError(`bad archive: not a gzip file (${err instanceof Error ? err.message : String(err)})`);
  }
  const entries = readTar(tar, limits.maxEntries);

  // Check everything first: one top-level directory, safe paths, links that stay inside.
  let top: string | undefined;
  const planned: { rel: string[]; entry: TarEntry }[] = [];
  const kinds = new Map<string, EntryType>();
  for (const entry of entries) {
    const segs = safeSegments(entry.name);
    if (typeof segs === 'string') throw new CrsInstallError(`bad archive: ${JSON.stringify(entry.name)} ${segs}`);
    const [first, ...rest] = segs;
    if (first === undefined) continue; // "./"
    if (top === undefined) top = first;
    else if (first !== top) throw new CrsInstallError(`bad archive: more than one top-level entry (${top}, ${first})`);
    if (rest.length === 0) {
      if (entry.type !== 'dir') throw new CrsInstallError(`bad archive: the top-level entry ${first} is not a directory`);
      continue;
    }
    const key = rest.join('/');
    for (let i = 1; i < rest.length; i++) {
      const parent = rest.slice(0, i).join('/');
      const kind = kinds.get(parent);
      if (kind !== undefined && kind !== 'dir') throw new CrsInstallError(`bad archive: ${entry.name} lies under ${parent}, which is a ${kind}`);
    }
    const before = kinds.get(key);
    if (before !== undefined && !(before === entry.type && (before === 'file' || before === 'dir'))) {
      throw new CrsInstallError(`bad archive: ${entry.name} appears twice (as a ${before} and a ${entry.type})`);
    }
    if (entry.type === 'symlink') {
      const target = entry.linkname;
      if (target === '' || target.startsWith('/') || /^[A-Za-z]:/.test(target) || target.includes('\\') || target.includes('\0')) {
        throw new CrsInstallError(`bad archive: the symlink ${entry.name} points to ${JSON.stringify(target)}, outside the archive`);
      }
      // Resolved lexically from the link's directory; every directory on the way is a real one
      // (links under links are refused above), so this is where it really points.
      const depth: string[] = rest.slice(0, -1);
      for (const s of target.split('/')) {
        if (s === '' || s === '.') continue;
        if (s === '..') {
          if (depth.pop() === undefined) throw new CrsInstallError(`bad archive: the symlink ${entry.name} points to ${JSON.stringify(target)}, outside the archive`);
        } else depth.push(s);
      }
    }
    if (entry.type === 'hardlink') {
      const t = safeSegments(entry.linkname);
      const kind = typeof t === 'string' || t[0] !== top ? undefined : kinds.get(t.slice(1).join('/'));
      const ok = kind === 'file' || kind === 'hardlink';
      if (!ok) throw new CrsInstallError(`bad archive: the hard link ${entry.name} points to ${JSON.stringify(entry.linkname)}, not to a file earlier in the archive`);
    }
    kinds.set(key, entry.type);
    planned.push({ rel: rest, entry });
  }
  // A path that an earlier entry made a symlink or file must not become a parent later on.
  for (const { rel, entry } of planned) {
    for (let i = 1; i < rel.length; i++) {
      const kind = kinds.get(rel.slice(0, i).join('/'));
      if (kind !== undefined && kind !== 'dir') throw new CrsInstallError(`bad archive: ${entry.name} lies under a ${kind}`);
    }
  }

  // Then write: directories and files, hard links as copies, symlinks last (so nothing is ever
  // written through one).
  const written = new Map<string, Buffer>();
  const fileMode = (m: number) => (m & 0o111 ? 0o755 : 0o644);
  const write = (entry: TarEntry, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof CrsInstallError) throw err;
      throw new CrsInstallError(`cannot unpack ${entry.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  for (const { rel, entry } of planned) {
    const target = path.join(dest, ...rel);
    if (entry.type === 'dir') {
      write(entry, () => fs.mkdirSync(target, { recursive: true, mode: 0o755 }));
    } else if (entry.type === 'file' || entry.type === 'hardlink') {
      const data = entry.type === 'file' ? entry.data : written.get((safeSegments(entry.linkname) as string[]).slice(1).join('/'));
      if (data === undefined) throw new CrsInstallError(`bad archive: the hard link ${entry.name} has no target`);
      write(entry, () => {
        fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
        fs.writeFileSync(target, data, { mode: fileMode(entry.mode) });
      });
      written.set(rel.join('/'), data);
    }
  }
  for (const { rel, entry } of planned) {
    if (entry.type !== 'symlink') continue;
    const target = path.join(dest, ...rel);
    write(entry, () => {
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      fs.symlinkSync(entry.linkname, target);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Installing

interface Marker {
  version: string;
  sha256: string;
  url: string;
  installedAt: string;
}

function readMarker(dir: string): Marker | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, INSTALL_MARKER), 'utf8')) as Partial<Marker>;
    if (typeof m.sha256 === 'string' && typeof m.version === 'string') return m as Marker;
  } catch {
    // none, or not ours
  }
  return undefined;
}

const TEMP_RE = /^\.(?:staging|old|current)-.*?-(\d+)-[0-9a-f]+$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Removes what interrupted installs left (their process is gone). */
function removeLeftovers(crsRoot: string, log: (l: string) => void): void {
  for (const name of fs.readdirSync(crsRoot)) {
    const m = TEMP_RE.exec(name);
    if (!m?.[1] || alive(Number(m[1]))) continue;
    fs.rmSync(path.join(crsRoot, name), { recursive: true, force: true });
    log(`removed ${name}, left by an interrupted install`);
  }
}

function tempName(kind: string, version: string): string {
  return `.${kind}-${version}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not possible on every platform; the renames are atomic regardless
  }
}

/** Points <crsRoot>/current at <crsRoot>/<version>, atomically (rename over the old pointer). */
export function switchCurrent(crsRoot: string, version: string): void {
  const current = path.join(crsRoot, 'current');
  const st = fs.lstatSync(current, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new CrsInstallError(`${current} is a directory, not a pointer made by portcullis; move it away first`);
  const tmp = path.join(crsRoot, tempName('current', version));
  try {
    try {
      fs.symlinkSync(version, tmp, 'dir');
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EINVAL') throw err;
      // No symlinks here (Windows without the privilege, some file systems): a pointer file.
      const fd = fs.openSync(tmp, 'wx', 0o644);
      try {
        fs.writeSync(fd, `${version}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    fs.renameSync(tmp, current);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  fsyncDir(crsRoot);
}

type Existing = 'same' | 'broken' | { readonly refuse: string };

/** Whether <dir> is our install of exactly these bytes, a damaged one of ours, or not to touch. */
function inspectExisting(dir: string, sha256: string): Existing {
  const marker = readMarker(dir);
  if (marker === undefined) {
    return { refuse: `${dir} already exists and was not installed by portcullis; move it away to install there` };
  }
  if (!hasRulesConf(dir)) return 'broken';
  if (marker.sha256 !== sha256) {
    return {
      refuse:
        `OWASP CRS ${marker.version} is already installed in ${dir} from a different archive ` +
        `(sha256 ${marker.sha256}, this one is ${sha256}); remove that directory to replace it`,
    };
  }
  return 'same';
}

/**
 * Installs OWASP CRS `version` into <dataDir>/crs/<version> and makes it current. The archive's
 * SHA-256 must match (given, or published next to it) before it is unpacked. Installing a
 * version that is already there from the same archive only makes it current again (nothing is
 * downloaded); a failure leaves the current CRS as it was.
 */
export async function installCrs(options: InstallCrsOptions): Promise<InstalledCrs> {
  const log = options.log ?? (() => undefined);
  const version = normalizeVersion(options.version);
  const url = options.url ?? defaultCrsUrl(version);
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new CrsInstallError(`${url} is not an http(s) URL`);
  }
  const dl: DownloadOptions = {
    fetchImpl: options.fetch ?? fetch,
    maxBytes: options.maxBytes ?? MAX_DOWNLOAD_BYTES,
    timeoutMs: options.timeoutMs ?? DOWNLOAD_TIMEOUT_MS,
  };
  const given = options.sha256 !== undefined ? normalizeSha256(options.sha256) : undefined;

  const crsRoot = path.resolve(options.dataDir, 'crs');
  fs.mkdirSync(crsRoot, { recursive: true });
  removeLeftovers(crsRoot, log);
  const finalDir = path.join(crsRoot, version);

  const expected = given ?? (await publishedSha256(url, version, dl, log));

  const existing = fs.existsSync(finalDir) ? inspectExisting(finalDir, expected) : undefined;
  if (existing === 'same') {
    switchCurrent(crsRoot, version);
    log(`OWASP CRS ${version} is already installed from this archive (sha256 ${expected}); made it current`);
    return { dir: finalDir, version, sha256: expected };
  }
  if (typeof existing === 'object') throw new CrsInstallError(existing.refuse);

  log(`downloading ${url}`);
  const archive = await download(url, 'archive', dl);
  const actual = createHash('sha256').update(archive).digest('hex');
  if (actual !== expected) {
    throw new CrsInstallError(`sha256 mismatch for ${url}: expected ${expected}, got ${actual}; nothing was installed`);
  }
  log(`received ${formatBytes(archive.length)}, sha256 ${actual} matches`);

  const staging = path.join(crsRoot, tempName('staging', version));
  fs.mkdirSync(staging, { mode: 0o755 });
  try {
    await extractTarGz(archive, staging);
    if (!hasRulesConf(staging)) throw new CrsInstallError(`bad archive: ${url} has no rules/*.conf; is it an OWASP CRS release?`);
    const found = crsVersion(staging);
    if (found !== undefined && Number(found.split('.')[0]) !== SUPPORTED_CRS_MAJOR) {
      throw new CrsInstallError(`bad archive: ${url} holds OWASP CRS ${found}, not a CRS v${SUPPORTED_CRS_MAJOR} release`);
    }
    if (found !== undefined && found !== version) log(`warning: the archive says it is OWASP CRS ${found}, installing it as ${version}`);
    const marker: Marker = { version, sha256: actual, url, installedAt: new Date().toISOString() };
    const markerFile = path.join(staging, INSTALL_MARKER);
    fs.rmSync(markerFile, { recursive: true, force: true }); // never the archive's own
    fs.writeFileSync(markerFile, `${JSON.stringify(marker, null, 2)}\n`, { flag: 'wx' });

    if (existing === 'broken') {
      // Our earlier install of this version lost its rules; it is no use to anyone as it is.
      const old = path.join(crsRoot, tempName('old', version));
      fs.renameSync(finalDir, old);
      log(`replacing the damaged ${finalDir}`);
      fs.renameSync(staging, finalDir);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      try {
        fs.renameSync(staging, finalDir);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM') throw err;
        // Another install of this version got there first.
        const now = inspectExisting(finalDir, actual);
        if (now !== 'same') throw new CrsInstallError(now === 'broken' ? `${finalDir} appeared while installing and is damaged` : now.refuse);
      }
    }
    fsyncDir(crsRoot);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  switchCurrent(crsRoot, version);
  return { dir: finalDir, version, sha256: actual };
}
