// Where `waf.crs: auto` finds the OWASP CRS, in order:
//   1. $PORTCULLIS_CRS_DIR
//   2. <dataDir>/crs/current — what `portcullis crs install` switches (a relative symlink to the
//      version directory beside it, or, where symlinks can't be made, a one-line pointer file
//      naming that directory)
//   3. /usr/share/modsecurity-crs — Debian's modsecurity-crs package (its crs-setup.conf lives in
//      /etc/modsecurity/crs/)
//   4. /usr/local/share/owasp-crs, /opt/owasp-crs, /etc/crs4
// A candidate counts only when it has rules/*.conf and is not a CRS of another major version
// (Debian 12 ships CRS 3.3, whose variables the v4 setup does not drive).
import fs from 'node:fs';
import path from 'node:path';

export const CRS_DIR_ENV = 'PORTCULLIS_CRS_DIR';
/** Written by `installCrs` into each version directory it installs. */
export const INSTALL_MARKER = '.portcullis-crs.json';
export const DEBIAN_CRS_DIR = '/usr/share/modsecurity-crs';
export const DEBIAN_CRS_SETUP = '/etc/modsecurity/crs/crs-setup.conf';
export const SYSTEM_CRS_DIRS: readonly string[] = ['/usr/local/share/owasp-crs', '/opt/owasp-crs', '/etc/crs4'];
/** The CRS major version the engine's setup is written for. */
export const SUPPORTED_CRS_MAJOR = 4;

export interface FindCrsOptions {
  readonly dataDir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Replaces the system directories (3. and 4. above); for tests. */
  readonly systemDirs?: readonly { dir: string; source: string; setupFile?: string }[];
}

export interface CrsLocation {
  /** The CRS directory (rules/ inside), with symlinks resolved. */
  readonly dir: string;
  /** Which candidate it was, for people: "PORTCULLIS_CRS_DIR", "installed (…/crs/current)", … */
  readonly source: string;
  /** The crs-setup.conf to include (Debian keeps it in /etc), when there is one. */
  readonly setupFile?: string;
  /** From VERSION or the files' ver:'OWASP_CRS/x.y.z', when it can be read. */
  readonly version?: string;
}

export interface CrsCandidate {
  /** The path as searched (before symlinks are resolved); undefined when the env var is unset. */
  readonly path: string | undefined;
  readonly source: string;
  /** Set when this candidate counts. */
  readonly found?: CrsLocation;
  /** Why it does not count ("not set", "does not exist", "has no rules/*.conf", …). */
  readonly problem?: string;
}

/** True when `dir/rules` holds at least one *.conf file. */
export function hasRulesConf(dir: string): boolean {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(dir, 'rules'));
  } catch {
    return false;
  }
  return names.some((n) => {
    if (!n.endsWith('.conf')) return false;
    try {
      return fs.statSync(path.join(dir, 'rules', n)).isFile();
    } catch {
      return false;
    }
  });
}

const VERSION_RE = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;
const VER_ACTION_RE = /\bver:\s*'?OWASP_CRS\/(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/;
const READ_LIMIT = 1 << 20;

function readHead(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    if (!fs.fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(READ_LIMIT);
    const n = fs.readSync(fd, buf, 0, READ_LIMIT, 0);
    return buf.subarray(0, n).toString('latin1');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The CRS version in `dir`: its VERSION file, else the ver:'OWASP_CRS/x.y.z' of crs-setup.conf
 * (or .example), else of the first rules/*.conf that has one.
 */
export function crsVersion(dir: string): string | undefined {
  const versionFile = readHead(path.join(dir, 'VERSION'));
  if (versionFile !== undefined) {
    const line = versionFile.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
    const m = VERSION_RE.exec(line.replace(/^OWASP_CRS\//, ''));
    if (m?.[1]) return m[1];
  }
  const files = [path.join(dir, 'crs-setup.conf'), path.join(dir, 'crs-setup.conf.example')];
  try {
    const rules = fs.readdirSync(path.join(dir, 'rules')).filter((n) => n.endsWith('.conf')).sort();
    files.push(...rules.map((n) => path.join(dir, 'rules', n)));
  } catch {
    // no rules directory: only the setup files can tell
  }
  for (const f of files) {
    const text = readHead(f);
    const m = text === undefined ? null : VER_ACTION_RE.exec(text);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/** The crs-setup file a CRS directory carries (crs-setup.conf, else crs-setup.conf.example). */
function ownSetupFile(dir: string): string | undefined {
  for (const name of ['crs-setup.conf', 'crs-setup.conf.example']) {
    const f = path.join(dir, name);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

/**
 * What <crsRoot>/current designates: a symlink (followed), a directory (used as it is) or a
 * pointer file whose first line names a directory beside it. Undefined when there is none.
 */
export function resolveCurrent(crsRoot: string): { dir: string; problem?: string } | undefined {
  const current = path.join(crsRoot, 'current');
  let st: fs.Stats;
  try {
    st = fs.lstatSync(current);
  } catch {
    return undefined;
  }
  if (st.isSymbolicLink() || st.isDirectory()) {
    try {
      return { dir: fs.realpathSync(current) };
    } catch {
      return { dir: current, problem: `${current} points to ${safeReadlink(current)}, which does not exist` };
    }
  }
  if (st.isFile()) {
    const name = (readHead(current) ?? '').split(/\r?\n/)[0]?.trim() ?? '';
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
      return { dir: current, problem: `${current} is not a valid pointer (it should name a directory beside it)` };
    }
    const dir = path.join(crsRoot, name);
    try {
      return { dir: fs.realpathSync(dir) };
    } catch {
      return { dir, problem: `${current} names ${name}, which does not exist` };
    }
  }
  return { dir: current, problem: `${current} is neither a symlink, a directory nor a pointer file` };
}

function safeReadlink(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return '?';
  }
}

function check(searched: string, source: string, setupFile?: string): CrsCandidate {
  let dir: string;
  try {
    dir = fs.realpathSync(searched);
  } catch {
    return { path: searched, source, problem: 'does not exist' };
  }
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return { path: searched, source, problem: 'is not a directory' };
  if (!hasRulesConf(dir)) return { path: searched, source, problem: 'has no rules/*.conf' };
  const version = crsVersion(dir);
  const major = version === undefined ? undefined : Number(version.split('.')[0]);
  if (major !== undefined && major !== SUPPORTED_CRS_MAJOR) {
    return { path: searched, source, problem: `is OWASP CRS ${version}; Portcullis runs CRS v${SUPPORTED_CRS_MAJOR}` };
  }
  const setup = setupFile !== undefined && fs.existsSync(setupFile) ? setupFile : ownSetupFile(dir);
  return {
    path: searched,
    source,
    found: { dir, source, ...(setup !== undefined ? { setupFile: setup } : {}), ...(version !== undefined ? { version } : {}) },
  };
}

function* candidates(options: FindCrsOptions): Generator<CrsCandidate> {
  const env = options.env ?? process.env;
  const fromEnv = env[CRS_DIR_ENV];
  if (fromEnv === undefined || fromEnv === '') yield { path: undefined, source: CRS_DIR_ENV, problem: 'not set' };
  else yield check(path.resolve(fromEnv), CRS_DIR_ENV);

  const crsRoot = path.resolve(options.dataDir, 'crs');
  const currentPath = path.join(crsRoot, 'current');
  const installedSource = `installed (${currentPath})`;
  const current = resolveCurrent(crsRoot);
  if (current === undefined) yield { path: currentPath, source: installedSource, problem: 'nothing installed' };
  else if (current.problem !== undefined) yield { path: currentPath, source: installedSource, problem: current.problem };
  else yield check(current.dir, installedSource);

  const system: readonly { dir: string; source: string; setupFile?: string }[] = options.systemDirs ?? [
    { dir: DEBIAN_CRS_DIR, source: 'Debian package modsecurity-crs', setupFile: DEBIAN_CRS_SETUP },
    ...SYSTEM_CRS_DIRS.map((dir) => ({ dir, source: dir })),
  ];
  for (const s of system) yield check(s.dir, s.source, s.setupFile);
}

/** Every candidate `auto` looks at, in order, each with what it found or why it does not count. */
export function crsCandidates(options: FindCrsOptions): CrsCandidate[] {
  return [...candidates(options)];
}

/** The CRS that `waf.crs: auto` uses: the first candidate that counts. */
export function findCrs(options: FindCrsOptions): CrsLocation | undefined {
  for (const c of candidates(options)) if (c.found) return c.found;
  return undefined;
}
