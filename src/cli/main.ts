// The `portcullis` command line. Each command is a thin adapter over the modules that do the work.
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { loadConfig, type QuickFlags } from '../config/load.js';
import { ConfigError, formatProblem } from '../config/problems.js';
import { jsonSchemaDocument } from '../config/schema.js';
import { runPrimary } from '../runtime/primary.js';
import { runCrsInstall, runCrsStatus } from './crs-install.js';
import { runDemo } from './demo.js';
import { addWafTestCrsCommand } from './waf-test-crs.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

interface ServeOptions {
  config?: string;
  listen?: string;
  upstream?: string;
  admin?: string;
  data?: string;
  workers?: string;
  waf?: string;
  crs?: string;
  paranoia?: string;
}

function quickFlags(o: ServeOptions): QuickFlags {
  return {
    ...(o.listen !== undefined ? { listen: o.listen } : {}),
    ...(o.upstream !== undefined ? { upstream: o.upstream } : {}),
    ...(o.admin !== undefined ? { admin: o.admin } : {}),
    ...(o.data !== undefined ? { data: o.data } : {}),
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    ...(o.waf !== undefined ? { waf: o.waf } : {}),
    ...(o.crs !== undefined ? { crs: o.crs } : {}),
    ...(o.paranoia !== undefined ? { paranoia: o.paranoia } : {}),
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('portcullis')
    .description('API security gateway: reverse proxy with ACLs, rate limits, TLS and a WAF')
    .version(packageVersion(), '-v, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('serve')
    .description('run the gateway (from a YAML file, quick flags, or both; flags win)')
    .option('-c, --config <file>', 'YAML configuration file')
    .option('-l, --listen <host:port>', 'one plain HTTP listener (replaces the file\'s listeners)')
    .option('-u, --upstream <url>', 'upstream origin for the catch-all route, e.g. http://127.0.0.1:3000')
    .option('--admin <host:port>', 'admin listener (health, readiness); default 127.0.0.1:9901')
    .option('--data <dir>', 'where state, spools and files go (default ./data)')
    .option('-w, --workers <n>', 'worker processes, or "auto" for one per CPU (default auto)')
    .option('--waf <mode>', 'WAF mode: block, detect or off (default: the file\'s, else off)')
    .option('--crs <dir>', 'OWASP CRS directory, "auto" (default) or "none"')
    .option('--paranoia <n>', 'CRS paranoia level, 1-4 (default 1)')
    .action(async (o: ServeOptions) => {
      if (!o.config && !o.upstream) {
        process.stderr.write('portcullis serve: give --config FILE, or at least --upstream URL for a first try\n');
        exitCode = 2;
        return;
      }
      exitCode = await runPrimary({ ...(o.config ? { file: o.config } : {}), flags: quickFlags(o) });
    });

  const config = program.command('config').description('work with configuration files');
  config
    .command('validate <file>')
    .description('check a configuration file; lists every problem as "path: what is wrong"')
    .action((file: string) => {
      try {
        const loaded = loadConfig({ file });
        for (const w of loaded.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
        process.stdout.write(`${loaded.file}: valid (${loaded.settings.routes.length} routes, ${loaded.settings.listeners.length} listeners)\n`);
        exitCode = 0;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${err.file ?? file}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n`);
        for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
        exitCode = 1;
      }
    });
  config
    .command('schema')
    .description('print the JSON Schema of the configuration file')
    .option('-o, --out <file>', 'write it to a file instead')
    .action((o: { out?: string }) => {
      const text = `${JSON.stringify(jsonSchemaDocument(), null, 2)}\n`;
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });

  const crs = program.command('crs').description('the OWASP Core Rule Set the WAF runs');
  crs
    .command('install <version>')
    .description('download an official CRS v4 release, check its SHA-256, and install it where `waf.crs: auto` finds it')
    .option('--sha256 <hex>', 'the archive\'s expected SHA-256 (else a <url>.sha256 file next to it is required)')
    .option('--url <url>', 'where to download the archive from (default: the release on github.com/coreruleset)')
    .option('--data <dir>', 'the gateway\'s data directory (default ./data)', './data')
    .action(async (version: string, o: { sha256?: string; url?: string; data: string }) => {
      exitCode = await runCrsInstall({
        version,
        dataDir: o.data,
        ...(o.url !== undefined ? { url: o.url } : {}),
        ...(o.sha256 !== undefined ? { sha256: o.sha256 } : {}),
      });
    });
  crs
    .command('status')
    .description('show where `waf.crs: auto` looks and which CRS it would use')
    .option('--data <dir>', 'the gateway\'s data directory (default ./data)', './data')
    .action((o: { data: string }) => {
      exitCode = runCrsStatus({ dataDir: o.data });
    });

  program
    .command('demo')
    .description('start a small demo API on loopback with the gateway in front of it')
    .option('--port <port>', 'gateway port', '8080')
    .option('--admin-port <port>', 'admin port', '9901')
    .option('--data <dir>', 'data directory', './data')
    .action(async (o: { port: string; adminPort: string; data: string }) => {
      exitCode = await runDemo(o);
    });

  addWafTestCrsCommand(program, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors (already printed by commander) exit 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  }
  return exitCode;
}
