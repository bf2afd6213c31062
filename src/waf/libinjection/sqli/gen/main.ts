// Regenerates fingerprints.generated.ts (run from the repository root after building):
//   node dist/src/waf/libinjection/sqli/gen/main.js            write the table
//   node dist/src/waf/libinjection/sqli/gen/main.js --check    exit 1 if the file is stale
//   node dist/src/waf/libinjection/sqli/gen/main.js --pruned   list what benign text removed

import { readFileSync, writeFileSync } from 'node:fs';
import { buildFingerprintTable, renderTable } from './build.js';

const TARGET = new URL('../../../../../../src/waf/libinjection/sqli/fingerprints.generated.ts', import.meta.url);

function main(args: readonly string[]): number {
  const result = buildFingerprintTable();
  const text = renderTable(result);
  console.log(`${result.fingerprints.length} fingerprints (${result.attackFingerprints} from ${result.attackSamples} attack samples, ` +
    `${result.pruned.size} pruned by ${result.benignSamples} benign samples)`);
  if (args.includes('--pruned')) {
    for (const [fp, [attack, benign]] of result.pruned) {
      console.log(`${fp.padEnd(6)} attack ${JSON.stringify(attack)}  benign ${JSON.stringify(benign)}`);
    }
  }
  if (args.includes('--check')) {
    const current = readFileSync(TARGET, 'latin1');
    if (current !== text) {
      console.error('fingerprints.generated.ts is stale: regenerate it');
      return 1;
    }
    return 0;
  }
  if (!args.includes('--pruned')) writeFileSync(TARGET, text, 'latin1');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
