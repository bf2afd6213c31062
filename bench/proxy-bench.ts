// `npm run bench`: Portcullis as a plain proxy, side by side with nginx, on one machine in one run.
//
//   upstream direct   the nginx upstream of the peer (answers 200 {"ok":true})
//   nginx proxy       plain nginx reverse proxy in front of it (the peer's :plain port)
//   portcullis proxy  the gateway in front of the same upstream, same worker count
//   bare Node.js pipe a TCP byte pipe in its own Node.js process (bench/lib/node-pipe.ts): the
//                     floor for a proxy that is a third process (the peer's nginx proxy and its
//                     upstream are one process)
//
// Each is driven by wrk in its own process, in interleaved rounds (this machine is shared and
// noisy: the median of rounds is reported, never a single run). Then, at half of the gateway's
// peak rate, the p99 it adds over the upstream alone; then its workers' memory over a minute of
// POSTs with bodies up to 1 MB. Results are printed and saved under bench/results/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePorts, GatewayProcess, NodePipeProcess, Peer, REPO_ROOT, rssBytes, sharedDir, waitFor } from './lib/processes.js';
import { bodiesScript, ensureWrk, PACED_SCRIPT, runWrk, type WrkResult } from './lib/wrk.js';
import { median } from './lib/stats.js';

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    workers: { type: 'string', default: '1' },
    'memory-seconds': { type: 'string', default: '60' },
    'skip-memory': { type: 'boolean', default: false },
    // Where the gateway's access log goes: "null" (serialised and written, to /dev/null; the
    // default, as the nginx peer logs nothing), "file" (a file on this machine's disk) or "off".
    'access-log': { type: 'string', default: 'null' },
  },
});

const seconds = Number(opts.duration);
const rounds = Number(opts.rounds);
const connections = Number(opts.connections);
const workers = Number(opts.workers);
const memorySeconds = Number(opts['memory-seconds']);



/** One worker's memory over the load (after warm-up), in MB. */
interface MemoryFigures {
  startMb: number;
  endMb: number;
  minMb: number;
  maxMb: number;
  growthPct: number;
  slopeMbPerMinute: number;
  halves: { first: { minMb: number; maxMb: number }; second: { minMb: number; maxMb: number } };
}

function summarize(runs: WrkResult[]) {
  return {
    rps: Math.round(median(runs.map((r) => r.rps))),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    errors: runs.reduce((a, r) => a + r.errors + r.non2xx, 0),
    runs: runs.map((r) => ({ rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms })),
  };
}

async function main(): Promise<void> {
  const shared = sharedDir();
  if (!shared) {
    process.stderr.write(
      'bench: ../shared (with tools/peer-modsecurity.sh) is not here, so there is no nginx peer to compare with.\n' +
        'Set PORTCULLIS_SHARED to its path to run the side-by-side benchmark.\n',
    );
    process.exitCode = 2;
    return;
  }
  ensureWrk();
  const [waf, plain, upstream, gatewayPort, admin, pipePort] = await freePorts(6);
  const PORTS = { waf: waf!, plain: plain!, upstream: upstream!, gateway: gatewayPort!, admin: admin!, pipe: pipePort! };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'portcullis-bench-'));
  const peer = new Peer(path.join(shared, 'tools/peer-modsecurity.sh'), PORTS);
  const upstreamUrl = `http://127.0.0.1:${PORTS.upstream}`;
  const gatewayArgs = [
    '--listen', `127.0.0.1:${PORTS.gateway}`,
    '--upstream', upstreamUrl,
    '--admin', `127.0.0.1:${PORTS.admin}`,
    '--workers', String(workers),
    '--data', path.join(tmp, 'data'),
  ];
  const accessLog = opts['access-log'];
  if (!['null', 'file', 'off'].includes(accessLog)) throw new Error('--access-log must be null, file or off');
  if (accessLog === 'off') {
    const file = path.join(tmp, 'no-access-log.yaml');
    writeFileSync(file, 'accessLog: { enabled: false }\n');
    gatewayArgs.push('--config', file);
  }
  const gateway = new GatewayProcess(gatewayArgs, path.join(tmp, 'gateway.log'), accessLog === 'null' ? '/dev/null' : undefined);
  // The nginx peer serves its upstream from the same worker process as its proxy; the gateway is
  // a third process beside the upstream and wrk. A bare Node.js byte pipe shows what that alone costs.
  const pipe = new NodePipeProcess(PORTS.pipe, PORTS.upstream);
  const cleanup = async () => {
    await gateway.stop();
    pipe.stop();
    peer.stop();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    process.stderr.write(`bench: starting the nginx peer (workers ${workers}) and portcullis (workers ${workers})\n`);
    peer.start(workers);
    await gateway.start(`http://127.0.0.1:${PORTS.admin}`);
    await waitFor(`http://127.0.0.1:${PORTS.gateway}/`);
    await pipe.start();

    const targets = {
      upstream: `${upstreamUrl}/`,
      nginx: `http://127.0.0.1:${PORTS.plain}/`,
      portcullis: `http://127.0.0.1:${PORTS.gateway}/`,
      nodePipe: `http://127.0.0.1:${PORTS.pipe}/`,
    };
    const wrk = (url: string, extra: Partial<Parameters<typeof runWrk>[1]> = {}) =>
      runWrk(url, { connections, seconds, scriptDir: tmp, ...extra });

    process.stderr.write('bench: warming up\n');
    for (const url of Object.values(targets)) await wrk(url, { seconds: 3 });

    const results: Record<keyof typeof targets, WrkResult[]> = { upstream: [], nginx: [], portcullis: [], nodePipe: [] };
    // Interleaved rounds, nginx and portcullis back to back, so each pair shares machine conditions.
    for (let r = 1; r <= rounds; r++) {
      for (const [name, url] of Object.entries(targets) as [keyof typeof targets, string][]) {
        const res = await wrk(url);
        results[name].push(res);
        process.stderr.write(`bench: round ${r} ${name.padEnd(10)} ${Math.round(res.rps)} req/s  p50 ${res.p50Ms.toFixed(2)} ms  p99 ${res.p99Ms.toFixed(2)} ms\n`);
      }
    }
    const peak = {
      upstream: summarize(results.upstream),
      nginx: summarize(results.nginx),
      portcullis: summarize(results.portcullis),
      nodePipe: summarize(results.nodePipe),
    };

    // Added latency at half of the gateway's peak: the same paced load on the upstream alone and
    // through the gateway.
    const halfRate = Math.max(100, Math.round(peak.portcullis.rps / 2));
    const pacedConnections = Math.max(2, Math.round(halfRate / 500));
    const intervalMs = Math.max(1, Math.round((pacedConnections * 1000) / halfRate));
    const paced = async (url: string) =>
      wrk(url, { connections: pacedConnections, script: PACED_SCRIPT, env: { WRK_INTERVAL_MS: String(intervalMs) } });
    const halfUp: WrkResult[] = [];
    const halfGw: WrkResult[] = [];
    const halfNginx: WrkResult[] = [];
    const halfPipe: WrkResult[] = [];
    // The added latency is a small difference of two noisy tails: more rounds than at peak.
    const halfRounds = Math.max(rounds, 5);
    for (let r = 0; r < halfRounds; r++) {
      halfUp.push(await paced(targets.upstream));
      halfGw.push(await paced(targets.portcullis));
      // nginx and the bare pipe under the same paced load, for context: what a proxy hop costs here.
      halfNginx.push(await paced(targets.nginx));
      halfPipe.push(await paced(targets.nodePipe));
    }
    // Each round's runs went back to back, under the same machine conditions: the median of the
    // per-round differences is robust to the machine's drift between rounds.
    const addedP99 = (runs: WrkResult[]) => Number(median(runs.map((r, i) => r.p99Ms - halfUp[i]!.p99Ms)).toFixed(3));
    const half = {
      targetRps: halfRate,
      connections: pacedConnections,
      intervalMs,
      rounds: halfRounds,
      upstream: summarize(halfUp),
      portcullis: summarize(halfGw),
      nginx: summarize(halfNginx),
      nodePipe: summarize(halfPipe),
      nodePipeAddedP99Ms: addedP99(halfPipe),
      nginxAddedP99Ms: addedP99(halfNginx),
      addedP99Ms: addedP99(halfGw),
      addedP99MsOfMedians: Number((median(halfGw.map((r) => r.p99Ms)) - median(halfUp.map((r) => r.p99Ms))).toFixed(3)),
      addedP50Ms: Number((median(halfGw.map((r) => r.p50Ms)) - median(halfUp.map((r) => r.p50Ms))).toFixed(3)),
    };
    process.stderr.write(`bench: at ${half.portcullis.rps} req/s (half load) p99 upstream ${half.upstream.p99Ms} ms, through portcullis ${half.portcullis.p99Ms} ms\n`);

    let memory: (Record<string, unknown> & { workers: MemoryFigures[] }) | undefined;
    if (!opts['skip-memory']) {
      const pids = gateway.workerPids();
      const samples: { t: number; rss: number[] }[] = [];
      process.stderr.write(`bench: memory: ${memorySeconds} s of POSTs with 1 KB, 64 KB and 1 MB bodies\n`);
      const load = wrk(targets.portcullis, { connections: 16, seconds: memorySeconds, script: bodiesScript([1024, 65536, 1048576]) });
      const t0 = Date.now();
      const timer = setInterval(() => samples.push({ t: (Date.now() - t0) / 1000, rss: pids.map((p) => rssBytes(p) ?? 0) }), 1000);
      const result = await load;
      clearInterval(timer);
      const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
      const perWorker = pids.map((_, i): MemoryFigures => {
        const series = samples.map((s) => s.rss[i]!);
        // After warm-up (the first 10 s) memory must not trend upwards. RSS swings with each
        // garbage collection (1 MB bodies), so compare halves by their medians and fit a line;
        // the swings last several seconds, so those two move with where a minute falls in them.
        // What a leak cannot hide is a rising floor (the lowest RSS, after a collection) and
        // ceiling: both are kept per half.
        const settled = series.slice(Math.min(10, Math.floor(series.length / 3)));
        const half = Math.floor(settled.length / 2);
        const first = settled.slice(0, half);
        const last = settled.slice(half);
        const n = settled.length;
        const meanX = (n - 1) / 2;
        const meanY = settled.reduce((a, b) => a + b, 0) / n;
        let num = 0;
        let den = 0;
        settled.forEach((y, x) => {
          num += (x - meanX) * (y - meanY);
          den += (x - meanX) ** 2;
        });
        return {
          startMb: mb(median(first)),
          endMb: mb(median(last)),
          minMb: mb(Math.min(...settled)),
          maxMb: mb(Math.max(...settled)),
          halves: {
            first: { minMb: mb(Math.min(...first)), maxMb: mb(Math.max(...first)) },
            second: { minMb: mb(Math.min(...last)), maxMb: mb(Math.max(...last)) },
          },
          growthPct: Number((((median(last) - median(first)) / median(first)) * 100).toFixed(1)),
          slopeMbPerMinute: Number(((den === 0 ? 0 : num / den) * 60 / 1048576).toFixed(2)),
        };
      });
      memory = {
        seconds: memorySeconds,
        rps: Math.round(result.rps),
        mbPerSecond: Math.round((result.rps * ((1024 + 65536 + 1048576) / 3)) / 1048576),
        errors: result.errors + result.non2xx,
        workers: perWorker,
        samples: samples.map((s) => ({ t: s.t, rssMb: s.rss.map(mb) })),
      };
      for (const [i, w] of perWorker.entries()) {
        process.stderr.write(
          `bench: memory worker ${i + 1}: median ${w.startMb} MB (first half) → ${w.endMb} MB (second half), ` +
            `floor and ceiling ${w.halves.first.minMb}–${w.halves.first.maxMb} → ${w.halves.second.minMb}–${w.halves.second.maxMb} MB, trend ${w.slopeMbPerMinute} MB/min\n`,
        );
      }
    }

    const report = {
      benchmark: 'proxy',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      settings: { seconds, rounds, connections, workers, accessLog, loadGenerator: 'wrk (1 thread, separate process)' },
      peak,
      ratios: {
        // Median of the per-round ratios (the two ran back to back in each round).
        portcullisVsNginx: Number(median(results.portcullis.map((r, i) => r.rps / results.nginx[i]!.rps)).toFixed(3)),
        portcullisVsNginxOfMedians: Number((peak.portcullis.rps / peak.nginx.rps).toFixed(3)),
        portcullisVsUpstream: Number(median(results.portcullis.map((r, i) => r.rps / results.upstream[i]!.rps)).toFixed(3)),
      },
      halfLoad: half,
      ...(memory ? { memory } : {}),
    };
    const dir = path.join(REPO_ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `proxy-${report.date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(dir, 'proxy-latest.json'), `${JSON.stringify(report, null, 2)}\n`);

    const line = (name: string, s: { rps: number; p50Ms: number; p99Ms: number }) =>
      `  ${name.padEnd(18)} ${String(s.rps).padStart(8)} req/s   p50 ${s.p50Ms.toFixed(2).padStart(6)} ms   p99 ${s.p99Ms.toFixed(2).padStart(6)} ms`;
    process.stdout.write(
      [
        '',
        `Proxy benchmark (${workers} worker${workers === 1 ? '' : 's'} each, wrk -c${connections}, ${rounds} × ${seconds} s, medians)`,
        line('upstream direct', peak.upstream),
        line('nginx proxy', peak.nginx),
        line('portcullis proxy', peak.portcullis),
        line('bare Node.js pipe', peak.nodePipe),
        `  portcullis / nginx: ${report.ratios.portcullisVsNginx} (median of per-round ratios; ${report.ratios.portcullisVsNginxOfMedians} of medians)  (target ≥ 0.5)`,
        `  added p99 at half load (${half.portcullis.rps} req/s): ${half.addedP99Ms} ms (median per round; ${half.addedP99MsOfMedians} of medians)  (target ≤ 1 ms); nginx under the same load adds ${half.nginxAddedP99Ms} ms (its upstream runs in the same process), a bare Node.js pipe ${half.nodePipeAddedP99Ms} ms`,
        ...(memory
          ? memory.workers.map(
              (w, i) =>
                `  memory worker ${i + 1}: ${w.startMb} → ${w.endMb} MB (medians of halves, ${w.growthPct}%), floor ${w.halves.first.minMb} → ${w.halves.second.minMb} MB, ` +
                `ceiling ${w.halves.first.maxMb} → ${w.halves.second.maxMb} MB, trend ${w.slopeMbPerMinute} MB/min over ${memorySeconds} s of 1 KB–1 MB bodies`,
            )
          : []),
        `  saved ${path.relative(REPO_ROOT, file)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
