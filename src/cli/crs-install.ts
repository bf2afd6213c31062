// `portcullis crs install <version>` and `portcullis crs status`: thin adapters over
// waf/crs/install.ts and waf/crs/locate.ts that print for people and return an exit code.
import path from 'node:path';
import { CrsInstallError, installCrs } from '../waf/crs/install.js';
import { crsCandidates, findCrs, type FindCrsOptions } from '../waf/crs/locate.js';

export interface CrsCliIo {
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
  /** For tests: replaces the global fetch. */
  readonly fetch?: typeof fetch;
  /** For tests: passed to findCrs. */
  readonly env?: NodeJS.ProcessEnv;
  readonly systemDirs?: FindCrsOptions['systemDirs'];
}

const stdout = (t: string) => void process.stdout.write(t);
const stderr = (t: string) => void process.stderr.write(t);

/** Exit code 0 when installed (or already there), 1 with the reason on stderr otherwise. */
export async function runCrsInstall(
  opts: { version: string; dataDir: string; url?: string; sha256?: string },
  io: CrsCliIo = {},
): Promise<number> {
  const out = io.out ?? stdout;
  const err = io.err ?? stderr;
  try {
    const done = await installCrs({
      version: opts.version,
      dataDir: opts.dataDir,
      ...(opts.url !== undefined ? { url: opts.url } : {}),
      ...(opts.sha256 !== undefined ? { sha256: opts.sha256 } : {}),
      ...(io.fetch !== undefined ? { fetch: io.fetch } : {}),
      log: (line) => out(`${line}\n`),
    });
    out(`installed OWASP CRS ${done.version} in ${done.dir} (sha256 ${done.sha256})\n`);
    return 0;
  } catch (e) {
    if (e instanceof CrsInstallError) err(`portcullis crs install: ${e.message}\n`);
    else err(`portcullis crs install: failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

/** Prints every place `waf.crs: auto` looks and what it uses; exit code 0 when it finds one. */
export function runCrsStatus(opts: { dataDir: string }, io: CrsCliIo = {}): number {
  const out = io.out ?? stdout;
  const options: FindCrsOptions = {
    dataDir: opts.dataDir,
    ...(io.env !== undefined ? { env: io.env } : {}),
    ...(io.systemDirs !== undefined ? { systemDirs: io.systemDirs } : {}),
  };
  const used = findCrs(options);
  out('waf.crs: auto looks, in order, at:\n');
  for (const c of crsCandidates(options)) {
    const where = c.path ?? '';
    if (c.found) {
      const mark = used && c.found.dir === used.dir && c.source === used.source ? '  <- used' : '';
      const shown = c.found.dir === where ? where : `${where} -> ${c.found.dir}`;
      out(`  ${c.source}: ${shown}: OWASP CRS ${c.found.version ?? '(version unknown)'}${mark}\n`);
    } else {
      out(`  ${c.source}${where !== '' && !c.source.includes(where) ? `: ${where}` : ''}: ${c.problem ?? 'not usable'}\n`);
    }
  }
  if (!used) {
    out(
      `no OWASP CRS v4 found. Install one with: portcullis crs install <version> --sha256 <hex> ` +
        `--data ${path.resolve(opts.dataDir)}, or set PORTCULLIS_CRS_DIR\n`,
    );
    return 1;
  }
  out(`uses ${used.dir} (OWASP CRS ${used.version ?? 'of unknown version'}, ${used.source})`);
  out(used.setupFile ? `, setup ${used.setupFile}\n` : '\n');
  return 0;
}
