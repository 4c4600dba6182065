// Benchmark: `mvtep verify --zones` on a synthetic interconnect deployment of
// N zones, one real ovsdb-server (OVN Southbound schema) per zone. Each zone
// holds its own node as a local chassis and the N-1 others as remote chassis
// (other_config:is-remote=true), 3 geneve VTEPs each, and 110 pods per node:
// local VIF Port_Bindings pinned to a VTEP in the pod's zone, type=remote
// ones without encap everywhere else (upstream IC: arbitrary destination).
// At 50 zones each SB holds 5,390 remote ports (issue 13's steering bench).
// Measures the whole CLI process (start, parallel reads, checks, JSON report)
// with /usr/bin/time: wall time and peak RSS, medians of 3, and the same work
// in-process. Baseline in the same run: N `ovsdb-client --format=json dump`
// processes in parallel (the C client fetching the same rows, no model).
//
//   node --import tsx bench/verify-zones.ts [10,25,50]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { requireRuntime } from '../src/lab/runtime.ts';
import { loadZonesFile } from '../src/config/index.ts';
import { gatherState } from '../src/observe/index.ts';
import { makeReport, runChecks } from '../src/verify/index.ts';
import { startSb, type SbServer } from './sbServer.ts';
import { median, timed, type Timed } from './timed.ts';
import { loadZone, node, PODS } from './icZones.ts';

const SIZES = (process.argv[2] ?? '10,25,50').split(',').map(Number);
const REPEAT = 3;

async function main(): Promise<void> {
  const rt = await requireRuntime();
  const rows: string[] = [];
  for (const n of SIZES) {
    const dir = await mkdtemp(join(tmpdir(), 'mvbz-'));
    const servers: SbServer[] = [];
    try {
      for (let z = 0; z < n; z++) servers.push(await startSb(rt, dir, `z${z}`));
      const t0 = Date.now();
      await Promise.all(servers.map(async (s, z) => {
        await loadZone(s.client, z, n);
        s.client.close();
      }));
      const loadS = (Date.now() - t0) / 1000;
      const file = join(dir, 'zones.yaml');
      await writeFile(file, stringify({ zones: servers.map((s, z) => ({ name: node(z), nb: s.remote, sb: s.remote })) }));
      const zones = await loadZonesFile(file);
      const verify: Timed[] = [];
      const base: Timed[] = [];
      const inProc: number[] = [];
      let findings = 0;
      for (let i = 0; i < REPEAT; i++) {
        const t1 = performance.now();
        const state = await gatherState({ zones, timeoutMs: 120_000 });
        const report = makeReport(state, runChecks(state));
        JSON.stringify(report);
        inProc.push((performance.now() - t1) / 1000);
        findings = report.findings.length;
        const dumps = await Promise.all(servers.map((s) => timed([...rt.argv('ovsdb-client'), '--format=json', 'dump', s.remote, 'OVN_Southbound'])));
        if (dumps.some((d) => d.code !== 0)) throw new Error('baseline ovsdb-client dump failed');
        // The parallel dumps' wall time is the slowest one (they all started together).
        base.push(dumps.reduce((a, b) => (b.seconds > a.seconds ? b : a)));
        verify.push(await timed([process.execPath, 'bin/mvtep.js', 'verify', '--zones', file, '--json', '--timeout', '120']));
      }
      // Unsteered: one ic-destination-arbitrary error per node, exit 1.
      const v = median(verify);
      if (v.code !== 1) throw new Error(`verify exited ${v.code}, expected 1`);
      if (findings !== n) throw new Error(`expected ${n} findings (one per node), got ${findings}`);
      const b = median(base);
      const ip = [...inProc].sort((a, c) => a - c)[Math.floor(inProc.length / 2)]!;
      rows.push(`| ${n} | ${n * PODS} | ${(n - 1) * PODS} | ${n * n * PODS} | ${loadS.toFixed(1)} | ${v.seconds.toFixed(2)} | ${(Math.max(...verify.map((x) => x.maxRssKb)) / 1024).toFixed(0)} | ${ip.toFixed(2)} | ${b.seconds.toFixed(2)} | ${(v.seconds / b.seconds).toFixed(2)} |`);
      console.error(rows.at(-1));
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log('| zones | pods | remote ports per zone | Port_Binding rows in all | load (s) | `mvtep verify --zones` total (s) | its peak RSS (MiB) | read + checks + JSON in-process (s) | baseline: parallel `ovsdb-client dump` of every zone (s) | verify / baseline |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
