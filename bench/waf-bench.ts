// `npm run bench:waf`: what the WAF costs, in two parts, printed and saved under bench/results/.
//
//   in-process  inspection cost per request (median and p99 µs, requests/s on one core) of the
//               engine with the full CRS at paranoia 1 and 4, for each request of the mix
//               (bench/lib/waf-mix.ts), and the slowest request of an adversarial set;
//   end to end  portcullis + CRS (block), portcullis without the WAF, and nginx + ModSecurity +
//               the same CRS (../shared/tools/peer-modsecurity.sh), one worker each, the same
//               upstream, wrk in its own process cycling through the same mix; requests/s and
//               p50/p99, interleaved rounds, ratios; then the p99 the WAF adds to the 20 KB
//               JSON POST at half load.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { crsDirectives } from '../src/waf/crs/setup.js';
import { Transaction } from '../src/waf/engine/transaction.js';
import type { RuleSet } from '../src/waf/engine/ruleset.js';
import { loadRuleSet } from '../src/waf/seclang/loader.js';
import { freePorts, GatewayProcess, Peer, REPO_ROOT, sharedDir, waitFor } from './lib/processes.js';
import { digitPermutation, rawRequest, varied, wafMix, type MixRequest } from './lib/waf-mix.js';
import { rawRequest as sendRaw } from '../test/helpers/http.js';
import { ensureWrk, runWrk, type WrkResult } from './lib/wrk.js';
import { median } from './lib/stats.js';

const { values: opts } = parseArgs({
  options: {
    'in-process-only': { type: 'boolean', default: false },
    'end-to-end-only': { type: 'boolean', default: false },
    iterations: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
  },
});

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}


function inspect(rules: RuleSet, r: MixRequest, budgetMs?: number): Transaction {
  const conn = { remoteAddr: '198.51.100.7', remotePort: 50000, serverAddr: '127.0.0.1', serverPort: 8080 };
  const tx = new Transaction(rules, budgetMs === undefined ? conn : { ...conn, budgetMs, onBudgetExceeded: 'deny' });
  tx.processUri(r.target, r.method, '1.1');
  for (const [k, v] of r.headers) tx.addRequestHeader(k, v);
  if (r.body.length > 0 || r.method === 'POST') tx.addRequestHeader('Content-Length', String(Buffer.byteLength(r.body)));
  if (!tx.processRequestHeaders()) {
    if (r.body.length > 0) tx.appendRequestBody(Buffer.from(r.body, 'utf8'));
    tx.processRequestBody();
  }
  tx.processLogging();
  return tx;
}

interface InProcessRow {
  request: string;
  attack: boolean;
  blocked: boolean;
  medianUs: number;
  p99Us: number;
  perCore: number;
}

/** The gateway's default waf.inspectionBudget. */
const GATEWAY_BUDGET_MS = 1000;

interface Slowest {
  name: string;
  /** The engine alone, no budget. */
  ms: number;
  /** The same request under the gateway's default budget, and what became of it. */
  budgetedMs: number;
  budgetedVerdict: string;
}

function measureInProcess(crsDir: string, paranoia: number, iterations: number): { loadMs: number; rows: InProcessRow[]; slowest: Slowest } {
  const t0 = performance.now();
  const rules = loadRuleSet([{ text: crsDirectives({ crsDir, mode: 'On', paranoia, responseBodyAccess: false }), name: 'bench.conf', baseDir: crsDir }], { paranoia });
  const loadMs = performance.now() - t0;
  const rows: InProcessRow[] = [];
  // A gateway inspects a stream of varied requests: every request of the mix is run before any
  // is measured, so the first one measured does not pay for the JIT warming up on all of them.
  const mix = wafMix();
  for (let round = 0; round < 30; round++) for (const r of mix) inspect(rules, r);
  for (const r of mix) {
    for (let i = 0; i < 50; i++) inspect(rules, r);
    const n = r.body.length > 10_000 ? Math.max(50, Math.round(iterations / 4)) : iterations;
    const times: number[] = [];
    let blocked = false;
    // Each request measured is the mix's with its varying parts varied (waf-mix.ts varied()):
    // what the engine remembers across requests is then only what traffic repeats.
    const variants = Array.from({ length: n }, () => varied(r, digitPermutation(Math.random)));
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      const tx = inspect(rules, variants[i]!);
      times.push((performance.now() - s) * 1000);
      blocked = tx.interruption !== undefined;
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    rows.push({ request: r.name, attack: r.attack, blocked, medianUs: Math.round(quantile(times, 0.5)), p99Us: Math.round(quantile(times, 0.99)), perCore: Math.round(1e6 / mean) });
  }
  const slowest = adversarial(rules);
  return { loadMs: Math.round(loadMs), rows, slowest };
}

/** Requests made to be slow to inspect; the slowest one found, alone and under the budget. */
function adversarial(rules: RuleSet): Slowest {
  const sizes = [8192, 65536];
  const fillers = ['a', '1', ' ', '/', '.', '%', "'", '"', '(', '<', '\\', '\n', '\r', '-', '$', '&', '=', ';', '{', '`', 'a1', '<a ', "'(", '../', '%2e', '/*', '--', 'select ', 'or 1=1 '];
  let worst = { name: '', ms: 0, request: undefined as MixRequest | undefined };
  const base = [['Host', 'shop.example.com'], ['User-Agent', 'Mozilla/5.0']] as const;
  for (const size of sizes) {
    for (const f of fillers) {
      const v = f.repeat(Math.ceil(size / f.length)).slice(0, size);
      const shapes: MixRequest[] = [
        { name: `query ${JSON.stringify(f)} x${size}`, attack: false, method: 'GET', target: `/?q=${encodeURIComponent(v)}`, headers: base, body: '' },
        { name: `header ${JSON.stringify(f)} x${size}`, attack: false, method: 'GET', target: '/', headers: [...base, ['X-Data', v.replace(/[\r\n]/g, ' ')]], body: '' },
        { name: `form ${JSON.stringify(f)} x${size}`, attack: false, method: 'POST', target: '/f', headers: [...base, ['Content-Type', 'application/x-www-form-urlencoded']], body: `q=${encodeURIComponent(v)}` },
        { name: `json ${JSON.stringify(f)} x${size}`, attack: false, method: 'POST', target: '/j', headers: [...base, ['Content-Type', 'application/json']], body: JSON.stringify({ q: v }) },
      ];
      for (const r of shapes) {
        const s = performance.now();
        inspect(rules, r);
        const ms = performance.now() - s;
        if (ms > worst.ms) worst = { name: r.name, ms: Math.round(ms * 10) / 10, request: r };
      }
    }
  }
  const s = performance.now();
  const tx = inspect(rules, worst.request!, GATEWAY_BUDGET_MS);
  const budgetedMs = Math.round((performance.now() - s) * 10) / 10;
  const budgetedVerdict = tx.interruption ? `blocked (${tx.interruption.reason ?? `rule ${tx.interruption.ruleId}`})` : 'passed';
  return { name: worst.name, ms: worst.ms, budgetedMs, budgetedVerdict };
}

/**
 * A wrk script that sends the mix's requests in turn (read from files at start), each with its
 * varying parts varied as waf-mix.ts varied() does: a permutation of the digits 1-9 drawn per
 * request applied to the query, the session cookie and a JSON or urlencoded body (same lengths).
 */
function mixScript(dir: string, requests: MixRequest[]): string {
  const files = requests.map((r, i) => {
    const f = path.join(dir, `req-${i}.http`);
    writeFileSync(f, rawRequest(r));
    return f;
  });
  return `
local reqs = {}
local n = 0
function init(args)
  for i, f in ipairs({ ${files.map((f) => JSON.stringify(f)).join(', ')} }) do
    local h = io.open(f, "rb"); reqs[i] = h:read("*a"); h:close()
  end
end
local digits = { "1", "2", "3", "4", "5", "6", "7", "8", "9" }
local function permutation()
  local p = {}
  for i = 1, 9 do p[i] = digits[i] end
  for i = 9, 2, -1 do
    local j = math.random(1, i)
    p[i], p[j] = p[j], p[i]
  end
  local map = {}
  for i = 1, 9 do map[digits[i]] = p[i] end
  return map
end
-- Digits mapped, percent-escapes (%XX) left as they are: chunks from a "%" or a digit with up
-- to two hex characters after it; a whole escape is kept, any other chunk has its digits mapped.
local function digitsOf(s, map)
  return (string.gsub(s, "[%%%d]%x?%x?", function(c)
    if #c == 3 and string.sub(c, 1, 1) == "%" then return c end
    return (string.gsub(c, "%d", map))
  end))
end
local function vary(req)
  local map = permutation()
  local split = string.find(req, "\\r\\n\\r\\n", 1, true)
  local head, body = string.sub(req, 1, split + 3), string.sub(req, split + 4)
  head = string.gsub(head, "^([^ ]+ [^ ?]*)(%?[^ ]*)", function(path, query) return path .. digitsOf(query, map) end)
  head = string.gsub(head, "(session=)(%x+)", function(name, value) return name .. digitsOf(value, map) end)
  if string.find(head, "Content-Type: application/json", 1, true) then
    body = (string.gsub(body, "%d", map))
  elseif string.find(head, "Content-Type: application/x-www-form-urlencoded", 1, true) then
    body = digitsOf(body, map)
  end
  return head .. body
end
function request()
  n = n + 1
  return vary(reqs[(n % #reqs) + 1])
end
`;
}

/**
 * Sends each request of the mix once and returns the answers by request name. Each must be a
 * verdict: 200, or 403 where a WAF blocks. A side that answers anything else (an error, a body
 * it could not buffer) is not doing the work being timed and its figures would mean nothing:
 * throws. Which attacks a WAF lets through is its detection, not an error (ModSecurity passes
 * the multipart one).
 */
async function checkAnswers(name: string, port: number, mix: readonly MixRequest[], blocks: boolean): Promise<Record<string, number>> {
  const answers: Record<string, number> = {};
  const wrong: string[] = [];
  for (const r of mix) {
    // The raw-socket client of the tests; status 0 when no status line came within 10 s.
    const got = (answers[r.name] = (await sendRaw(port, [rawRequest(r)], 10_000, '127.0.0.1', 20)).status);
    if (got !== 200 && !(blocks && got === 403)) wrong.push(got === 0 ? `${r.name} got no answer` : `${r.name} answered ${got}`);
  }
  if (wrong.length > 0) throw new Error(`${name} does not answer the mix with verdicts, so it cannot be timed on it: ${wrong.join('; ')}`);
  return answers;
}

/**
 * The load must be the mix: the share of answers other than 2xx must be the share of the mix a
 * side refused when each request was sent once (varied requests keep their verdicts, see
 * waf-mix.ts). A broken script, or variants a side parses differently, would otherwise be
 * timed as if they were the mix.
 */
function checkShare(name: string, load: string, res: WrkResult, answers: Record<string, number>): void {
  const statuses = Object.values(answers);
  const expected = statuses.filter((s) => s !== 200).length / statuses.length;
  const got = res.non2xx / Math.max(1, res.requests);
  if (Math.abs(got - expected) > 0.05) {
    throw new Error(`${name} answered ${(got * 100).toFixed(1)}% of the ${load} load with other than 2xx, but ${(expected * 100).toFixed(1)}% of the mix when checked: the load is not the mix`);
  }
}

async function endToEnd(shared: string, crsDir: string, tmp: string) {
  ensureWrk();
  const [waf, plain, upstream, onPort, onAdmin, offPort, offAdmin] = await freePorts(7);
  const peer = new Peer(path.join(shared, 'tools/peer-modsecurity.sh'), { waf: waf!, plain: plain!, upstream: upstream! });
  const common = (port: number, admin: number, name: string) => ['--listen', `127.0.0.1:${port}`, '--upstream', `http://127.0.0.1:${upstream}`, '--admin', `127.0.0.1:${admin}`, '--workers', '1', '--data', path.join(tmp, name)];
  const on = new GatewayProcess([...common(onPort!, onAdmin!, 'on'), '--waf', 'block', '--crs', crsDir, '--paranoia', '1'], path.join(tmp, 'on.log'), '/dev/null');
  const off = new GatewayProcess(common(offPort!, offAdmin!, 'off'), path.join(tmp, 'off.log'), '/dev/null');
  try {
    peer.start(1, 1);
    await on.start(`http://127.0.0.1:${onAdmin}`);
    await off.start(`http://127.0.0.1:${offAdmin}`);
    await waitFor(`http://127.0.0.1:${onPort}/`);
    const mix = wafMix();
    const targets = {
      modsecurity: `http://127.0.0.1:${waf}/`,
      portcullis: `http://127.0.0.1:${onPort}/`,
      portcullisNoWaf: `http://127.0.0.1:${offPort}/`,
    };
    const answers = {
      modsecurity: await checkAnswers('nginx + ModSecurity', waf!, mix, true),
      portcullis: await checkAnswers('portcullis + CRS', onPort!, mix, true),
      portcullisNoWaf: await checkAnswers('portcullis without the WAF', offPort!, mix, false),
    };
    const seconds = Number(opts.duration);
    const connections = Number(opts.connections);
    const scripts = { mix: mixScript(tmp, mix), plain: mixScript(tmp, mix.filter((r) => r.name === 'get-plain')) };
    const results: Record<string, Record<string, WrkResult[]>> = { mix: {}, plain: {} };
    for (const url of Object.values(targets)) await runWrk(url, { connections, seconds: 3, scriptDir: tmp, script: scripts.mix });
    for (let r = 1; r <= Number(opts.rounds); r++) {
      for (const [load, script] of Object.entries(scripts)) {
        for (const [name, url] of Object.entries(targets)) {
          // ModSecurity is two orders of magnitude slower: fewer connections keep its latency sane.
          const res = await runWrk(url, { connections: name === 'modsecurity' ? Math.min(connections, 8) : connections, seconds, scriptDir: tmp, script });
          (results[load]![name] ??= []).push(res);
          const checked = answers[name as keyof typeof answers];
          checkShare(name, load, res, load === 'mix' ? checked : { 'get-plain': checked['get-plain']! });
          process.stderr.write(`bench: round ${r} ${load.padEnd(5)} ${name.padEnd(16)} ${Math.round(res.rps)} req/s  p50 ${res.p50Ms} ms  p99 ${res.p99Ms} ms\n`);
        }
      }
    }
    const summary = (runs: WrkResult[]) => ({
      rps: Math.round(median(runs.map((x) => x.rps))),
      p50Ms: median(runs.map((x) => x.p50Ms)),
      p99Ms: median(runs.map((x) => x.p99Ms)),
      // Blocked attacks are the only non-2xx answers expected (none on the plain GET).
      non2xxShare: Number((runs.reduce((a, x) => a + x.non2xx, 0) / Math.max(1, runs.reduce((a, x) => a + x.requests, 0))).toFixed(3)),
      socketErrors: runs.reduce((a, x) => a + x.errors, 0),
    });
    const table: Record<string, Record<string, ReturnType<typeof summary>>> = {};
    for (const [load, byName] of Object.entries(results)) {
      table[load] = {};
      for (const [name, runs] of Object.entries(byName)) table[load][name] = summary(runs);
    }
    // Added p99 on the 20 KB JSON POST at half of the WAF's peak on it.
    const json20 = mixScript(tmp, mix.filter((r) => r.name === 'json-20k'));
    const peak = await runWrk(targets.portcullis, { connections, seconds, scriptDir: tmp, script: json20 });
    const halfRate = Math.max(50, Math.round(peak.rps / 2));
    const conns = Math.max(2, Math.round(halfRate / 250));
    const interval = Math.max(1, Math.round((conns * 1000) / halfRate));
    const paced = `${json20}\nlocal interval = ${interval}\nfunction delay() return math.random(0, 2 * interval) end\n`;
    const onRuns: WrkResult[] = [];
    const offRuns: WrkResult[] = [];
    for (let r = 0; r < Number(opts.rounds); r++) {
      onRuns.push(await runWrk(targets.portcullis, { connections: conns, seconds, scriptDir: tmp, script: paced }));
      offRuns.push(await runWrk(targets.portcullisNoWaf, { connections: conns, seconds, scriptDir: tmp, script: paced }));
    }
    const half = {
      peakRps: Math.round(peak.rps),
      rps: Math.round(median(onRuns.map((x) => x.rps))),
      wafP99Ms: median(onRuns.map((x) => x.p99Ms)),
      noWafP99Ms: median(offRuns.map((x) => x.p99Ms)),
      addedP99Ms: Number(median(onRuns.map((x, i) => x.p99Ms - offRuns[i]!.p99Ms)).toFixed(3)),
    };
    const ratio = (load: string, a: string, b: string) => Number(median(results[load]![a]!.map((x, i) => x.rps / results[load]![b]![i]!.rps)).toFixed(2));
    return {
      // The status each side gives each mix request (checked before timing).
      answers,
      table,
      halfLoad20kJson: half,
      ratios: {
        mixVsModSecurity: ratio('mix', 'portcullis', 'modsecurity'),
        plainVsModSecurity: ratio('plain', 'portcullis', 'modsecurity'),
        plainWafOnVsOff: ratio('plain', 'portcullis', 'portcullisNoWaf'),
        mixWafOnVsOff: ratio('mix', 'portcullis', 'portcullisNoWaf'),
      },
    };
  } finally {
    await on.stop();
    await off.stop();
    peer.stop();
  }
}

async function main(): Promise<void> {
  const shared = sharedDir();
  const crsDir = process.env.PORTCULLIS_CRS_DIR ?? (shared ? path.join(shared, 'crs') : undefined);
  if (!crsDir || !shared) {
    process.stderr.write('bench:waf needs ../shared (the CRS and the nginx + ModSecurity peer); set PORTCULLIS_SHARED.\n');
    process.exitCode = 2;
    return;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'portcullis-wafbench-'));
  const report: Record<string, unknown> = { benchmark: 'waf', date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version } };
  const out: string[] = [''];
  try {
    if (!opts['end-to-end-only']) {
      const inProcess: Record<string, unknown> = {};
      for (const pl of [1, 4]) {
        const m = measureInProcess(crsDir, pl, Number(opts.iterations));
        inProcess[`pl${pl}`] = m;
        out.push(`In-process, CRS paranoia ${pl} (loaded in ${m.loadMs} ms):`);
        out.push(`  ${'request'.padEnd(18)} ${'verdict'.padEnd(8)} ${'median µs'.padStart(10)} ${'p99 µs'.padStart(9)} ${'req/s/core'.padStart(11)}`);
        for (const r of m.rows) out.push(`  ${r.request.padEnd(18)} ${(r.blocked ? 'blocked' : 'passed').padEnd(8)} ${String(r.medianUs).padStart(10)} ${String(r.p99Us).padStart(9)} ${String(r.perCore).padStart(11)}`);
        out.push(`  slowest adversarial request: ${m.slowest.name}, ${m.slowest.ms} ms; under the gateway's ${GATEWAY_BUDGET_MS} ms budget ${m.slowest.budgetedMs} ms, ${m.slowest.budgetedVerdict}`);
      }
      report.inProcess = inProcess;
    }
    if (!opts['in-process-only']) {
      const e2e = await endToEnd(shared, crsDir, tmp);
      report.endToEnd = e2e;
      out.push('End to end, 1 worker each, wrk in its own process (medians of rounds):');
      for (const [load, byName] of Object.entries(e2e.table)) {
        for (const [name, s] of Object.entries(byName)) out.push(`  ${load.padEnd(5)} ${name.padEnd(16)} ${String(s.rps).padStart(8)} req/s  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms`);
      }
      const r = e2e.ratios;
      out.push(`  portcullis+CRS / nginx+ModSecurity+CRS: mix ${r.mixVsModSecurity}×, plain GET ${r.plainVsModSecurity}× (target ≥ 10×)`);
      out.push(`  WAF on / WAF off: plain GET ${r.plainWafOnVsOff} (target ≥ 0.5), mix ${r.mixWafOnVsOff}`);
      const h = e2e.halfLoad20kJson;
      out.push(`  20 KB JSON POST at half load (${h.rps} req/s of ${h.peakRps}): p99 ${h.wafP99Ms} ms with the WAF, ${h.noWafP99Ms} ms without: +${h.addedP99Ms} ms (target < 2 ms)`);
    }
    const dir = path.join(REPO_ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `waf-${String(report.date).replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
    writeFileSync(path.join(dir, 'waf-latest.json'), `${JSON.stringify(report, null, 1)}\n`);
    out.push(`  saved ${path.relative(REPO_ROOT, file)}`, '');
    process.stdout.write(out.join('\n'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
