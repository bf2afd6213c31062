// Where `waf.crs: auto` looks for the OWASP CRS (interim: the full search lands with `crs install`).
import fs from 'node:fs';
import path from 'node:path';

export function findCrs(options: { dataDir: string; env?: NodeJS.ProcessEnv }): { dir: string; source: string } | undefined {
  const env = options.env ?? process.env;
  const candidates: Array<[string | undefined, string]> = [
    [env.PORTCULLIS_CRS_DIR, 'PORTCULLIS_CRS_DIR'],
    [path.join(options.dataDir, 'crs', 'current'), 'installed'],
    ['/usr/share/modsecurity-crs', 'Debian package'],
  ];
  for (const [dir, source] of candidates) {
    if (dir && fs.existsSync(path.join(dir, 'rules'))) return { dir: path.resolve(dir), source: `${source} (${dir})` };
  }
  return undefined;
}
