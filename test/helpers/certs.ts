// Real certificates for TLS tests, made with the openssl command line: a test CA and leaf
// certificates with subjectAltName DNS names (EC P-256: quick to make).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Cert {
  readonly cert: string;
  readonly key: string;
  readonly certPem: string;
}

export interface TestCa {
  readonly dir: string;
  readonly caFile: string;
  readonly caPem: string;
  issue(name: string, dnsNames: readonly string[], file?: string): Cert;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function createCa(dir: string): TestCa {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=Portcullis Test CA', '-days', '2'], dir);
  let serial = 1;
  return {
    dir,
    caFile: path.join(dir, 'ca.crt'),
    caPem: readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
    issue(name, dnsNames, file = name) {
      const ext = path.join(dir, `${file}.ext`);
      writeFileSync(ext, `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}\n`);
      openssl(['req', ...ec, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${name}`], dir);
      openssl(
        ['x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(serial++), '-out', `${file}.crt`, '-days', '2', '-extfile', ext],
        dir,
      );
      return {
        cert: path.join(dir, `${file}.crt`),
        key: path.join(dir, `${file}.key`),
        certPem: readFileSync(path.join(dir, `${file}.crt`), 'utf8'),
      };
    },
  };
}
