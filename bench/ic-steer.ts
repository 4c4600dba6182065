// Benchmark: `mvtep ic steer` on a synthetic 50-zone L2 interconnect
// deployment (bench/icZones.ts: 50 real ovsdb-server SBs, 110 pods per node,
// 5,390 unpinned remote ports per zone; issue 13's targets):
//  1. initial convergence: `mvtep ic steer --once` as a process (wall time,
//     peak RSS) pinning all 269,500 remote ports;
//  2. the controller (`mvtep ic steer`, a child process) from start until
//     every zone is steered, its peak RSS, and then one pod's VTEP change in
//     its home zone propagated to the 49 other zones, repeated: p50/p99 from
//     the home zone's commit until every other zone's remote port points at
//     the new VTEP (seen by monitors of this process);
//  3. the floor in the same run: the same writes alone (nothing read or
//     planned), one ready-made transaction per zone, all sent at once;
//  4. baseline in the same run: one `ovn-sbctl set Port_Binding` per remote
//     port (what a script would do), two at a time (the machine's cores), on
//     a sample, extrapolated to all remote ports.
//
//   node --import tsx bench/ic-steer.ts [ZONES=50] [CHANGES=30] [BASELINE_SAMPLE=400]
import { spawn } from 'node:child_process';
import { appendFile, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { requireRuntime } from '../src/lab/runtime.ts';
import { OvsdbClient, Uuid, type MonitorCache } from '../src/ovsdb/index.ts';
import type { OvnSouthboundTables } from '../src/schema/index.ts';
import { loadZonesFile } from '../src/config/index.ts';
import { steerOnce } from '../src/ic/index.ts';
import { run } from '../src/util/exec.ts';
import { startSb, type SbServer } from './sbServer.ts';
import { timed } from './timed.ts';
import { loadZone, node, PODS, VTEPS, vtep } from './icZones.ts';

const ZONES = Number(process.argv[2] ?? 50);
const CHANGES = Number(process.argv[3] ?? 30);
const SAMPLE = Number(process.argv[4] ?? 400);
// For profiling runs only (the table needs every part): MVTEP_BENCH_SKIP=once,baseline; MVTEP_BENCH_CPU_PROF=DIR profiles the controller.
const SKIP = new Set((process.env.MVTEP_BENCH_SKIP ?? '').split(',').filter(Boolean));

type Cache = MonitorCache<OvnSouthboundTables>;

/** Per zone, its remote ports pinned to the Encap of `want(lport)` (an IP), counted from the monitor. */
function pinned(cache: Cache, want: (lport: string) => string | undefined): { pinned: number; remote: number } {
  const ipOf = new Map([...cache.rows('Encap')].map(([u, e]) => [u, e.ip] as const));
  let n = 0;
  let remote = 0;
  for (const pb of cache.rows('Port_Binding').values()) {
    if (pb.type !== 'remote') continue;
    remote++;
    const e = pb.encap?.[0]?.value;
    if (e !== undefined && ipOf.get(e) === want(pb.logical_port)) n++;
  }
  return { pinned: n, remote };
}

/** CPU seconds (user + system) a process has used so far: on a shared machine, less noisy than its wall time. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), counted from the state field (3): clock ticks of 1/100 s.
  return (Number(f[11]) + Number(f[12])) / 100;
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/**
 * Resolves once `ok(z)` holds for every zone in `zones`; a zone is checked
 * again only when its own monitor changed, so the bench's watching costs
 * one zone's rows per batch, not all 50 zones' (it shares the 2 cores with
 * the controller it measures).
 */
async function waitZones(what: string, ok: (z: number) => boolean, zones: readonly number[], caches: readonly Cache[], timeoutMs: number): Promise<void> {
  const left = new Set(zones.filter((z) => !ok(z)));
  if (left.size === 0) return;
  await new Promise<void>((resolve, reject) => {
    const offs: (() => void)[] = [];
    const off = () => offs.forEach((f) => f());
    const timer = setTimeout(() => { off(); reject(new Error(`timed out waiting for ${what} (${left.size} zones left)`)); }, timeoutMs);
    for (const z of left) {
      const check = () => {
        if (!ok(z)) return;
        left.delete(z);
        caches[z]!.off('change', check);
        if (left.size === 0) { off(); clearTimeout(timer); resolve(); }
      };
      caches[z]!.on('change', check);
      offs.push(() => caches[z]!.off('change', check));
    }
  });
}

async function main(): Promise<void> {
  const rt = await requireRuntime();
  const dir = await mkdtemp(join(tmpdir(), 'mvbic-'));
  const servers: SbServer[] = [];
  const clients: OvsdbClient[] = [];
  let controller: ReturnType<typeof spawn> | undefined;
  const cleanup = async () => {
    controller?.kill('SIGTERM');
    for (const c of clients) c.close();
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  // Ctrl-C or a kill must not leave 50 ovsdb-servers and their files behind.
  const onSignal = (sig: NodeJS.Signals) => void cleanup().finally(() => process.kill(process.pid, sig));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, onSignal);
  try {
    for (let z = 0; z < ZONES; z++) servers.push(await startSb(rt, dir, `z${z}`));
    // A few zones at a time: 50 loads of 5,500 rows at once outlast the client's deadline on a busy 2-core machine.
    let nextZone = 0;
    await Promise.all([0, 1, 2, 3].map(async () => {
      while (nextZone < servers.length) {
        const z = nextZone++;
        await loadZone(servers[z]!.client, z, ZONES);
        servers[z]!.client.close();
      }
    }));
    const file = join(dir, 'zones.yaml');
    await writeFile(file, stringify({ zones: servers.map((s, z) => ({ name: node(z), nb: s.remote, sb: s.remote })) }));
    const zones = await loadZonesFile(file);
    const remotePorts = ZONES * (ZONES - 1) * PODS;
    // The pods' home VTEPs, changed below: pod p of node i starts on VTEP p % 3.
    const home = new Map<string, string>();
    for (let i = 0; i < ZONES; i++) for (let p = 0; p < PODS; p++) home.set(`pod-${i}-${p}`, vtep(i, p % VTEPS));

    // 1. --once as a process.
    let once: { seconds: number; maxRssKb: number } | undefined;
    if (!SKIP.has('once')) {
      const r = await timed([process.execPath, 'bin/mvtep.js', 'ic', 'steer', '--zones', file, '--once', '--json', '--timeout', '60']);
      if (r.code !== 0) throw new Error(`ic steer --once exited ${r.code}`);
      once = r;
      console.error(`--once: ${r.seconds} s, ${(r.maxRssKb / 1024).toFixed(0)} MiB`);
      const un = await steerOnce(zones, { uninstall: true, timeoutMs: 60_000 });
      if (un.totals.written !== remotePorts) throw new Error(`uninstall cleared ${un.totals.written}, expected ${remotePorts}`);
    }

    // Monitors of this process on every zone: what the controller's writes look like from outside. Opened once the
    // controller says it has converged (its writes are committed then): open during its run, they would make the 50
    // servers send every one of its 269,500 writes to this process too, work --once is not measured with.
    // MVTEP_BENCH_WATCH=monitors opens them first and times convergence by them instead (the method before 2026-12-07).
    const watchFirst = process.env.MVTEP_BENCH_WATCH === 'monitors';
    const caches: Cache[] = [];
    const openMonitors = async () => {
      for (const s of servers) {
        const c = await OvsdbClient.connect(s.remote, { reconnect: false });
        clients.push(c);
        const cache = c.monitor<OvnSouthboundTables>('OVN_Southbound', { Encap: ['ip'], Port_Binding: ['logical_port', 'type', 'encap'] });
        await cache.ready;
        caches.push(cache);
      }
    };
    if (watchFirst) await openMonitors();
    const zoneSteered = (z: number) => { const r = pinned(caches[z]!, (l) => home.get(l)); return r.pinned === r.remote; };
    const allZones = servers.map((_, z) => z);
    const allSteered = () => allZones.every(zoneSteered);

    // 2. The controller.
    const serverCpu = async () => (await Promise.all(servers.map((s) => (s.pid ? cpuSeconds(s.pid) : 0)))).reduce((a, b) => a + b, 0);
    const cpu0 = { servers: await serverCpu(), bench: process.cpuUsage() };
    const t0 = performance.now();
    const startedAt = Date.now();
    const prof = process.env.MVTEP_BENCH_CPU_PROF;
    // MVTEP_BENCH_GC_LOG=FILE: the controller's --trace-gc lines, to line its pauses up with slow changes.
    const gcLog = process.env.MVTEP_BENCH_GC_LOG;
    controller = spawn(process.execPath, [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ...(gcLog ? ['--trace-gc'] : []), 'bin/mvtep.js', 'ic', 'steer', '--zones', file, '--timeout', '60'],
      { stdio: ['ignore', gcLog ? 'pipe' : 'ignore', 'pipe'] });
    if (gcLog) controller.stdout!.on('data', (b: Buffer) => void appendFile(gcLog, `${((performance.now() - t0) / 1000).toFixed(3)} ${b.toString()}`));
    let log = '';
    let saidConverged: () => void = () => {};
    const converged = new Promise<void>((resolve) => (saidConverged = resolve));
    controller.stderr!.on('data', (b: Buffer) => {
      log += b.toString();
      if (/"msg":"converged"/.test(log)) saidConverged();
    });
    const exited = new Promise<never>((_, reject) => controller!.once('exit', (code) => reject(new Error(`controller exited ${code}: ${log.slice(-2000)}`))));
    // Its exit after the bench stops it is no failure.
    exited.catch(() => {});
    if (watchFirst) await waitZones('the controller to steer every zone', zoneSteered, allZones, caches, 120_000);
    else await Promise.race([converged, exited, new Promise((_, reject) => setTimeout(() => reject(new Error('controller did not converge within 120 s')), 120_000).unref())]);
    const convergeS = (performance.now() - t0) / 1000;
    const convergeCpu = await cpuSeconds(controller.pid!);
    const benchCpu = process.cpuUsage(cpu0.bench);
    console.error(`controller converged in ${convergeS.toFixed(2)} s (${watchFirst ? 'seen by monitors of this bench' : 'its converged log line'}); CPU until then: controller ${convergeCpu.toFixed(1)} s, the 50 ovsdb-servers ${(await serverCpu() - cpu0.servers).toFixed(1)} s, this bench ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(1)} s`);
    if (!watchFirst) {
      await openMonitors();
      // What it said must be what the servers hold, at once.
      const wrong = allZones.filter((z) => !zoneSteered(z));
      if (wrong.length > 0) throw new Error(`the controller said converged but ${wrong.length} zones are not all steered`);
    }
    // Remote port rows keep their UUIDs: index them once per zone for the one-port checks below.
    const pbByLport = caches.map((c) => new Map([...c.rows('Port_Binding')].map(([u, r]) => [r.logical_port, u] as const)));

    const lat: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const n = (i * 7) % ZONES;
      const lport = `pod-${n}-${i % PODS}`;
      const cur = home.get(lport)!;
      const k = ([0, 1, 2].find((x) => vtep(n, x) === cur)! + 1) % VTEPS;
      const ip = vtep(n, k);
      const homeCache = caches[n]!;
      const encap = [...homeCache.rows('Encap')].find(([, e]) => e.ip === ip)![0];
      home.set(lport, ip);
      const others = allZones.filter((z) => z !== n);
      const done = (z: number) => {
        const e = caches[z]!.get('Port_Binding', pbByLport[z]!.get(lport)!)?.encap?.[0]?.value;
        return e !== undefined && caches[z]!.get('Encap', e)?.ip === ip;
      };
      const tx = clients[n]!.transaction<OvnSouthboundTables>('OVN_Southbound');
      tx.update('Port_Binding', [['logical_port', '==', lport]], { encap: [new Uuid(encap)] });
      const t1 = performance.now();
      await tx.commit({ timeoutMs: 10_000 });
      await waitZones(`${lport} -> ${ip} in ${ZONES - 1} zones`, done, others, caches, 10_000);
      lat.push(performance.now() - t1);
      if (gcLog) await appendFile(gcLog, `${((performance.now() - t0) / 1000).toFixed(3)} change ${i} took ${lat.at(-1)!.toFixed(0)} ms\n`);
    }
    const changesCpu = await cpuSeconds(controller.pid!) - convergeCpu;
    const status = await readFile(`/proc/${controller.pid}/status`, 'utf8');
    const hwmMiB = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
    controller.kill('SIGTERM');
    await new Promise((r) => controller!.once('exit', r));
    controller = undefined;
    // Where the controller's time went, from its own log (read after it exited: a pipe lags).
    const logged = log.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l) as { ts?: string; msg?: string; writes?: number; ms?: number }; } catch { return {}; } });
    const writes = logged.filter((l) => l.msg === 'steered' && (l.writes ?? 0) > 1);
    const at = (l: { ts?: string }) => (Date.parse(l.ts ?? '') - startedAt) / 1000;
    if (writes.length > 0) {
      console.error(`controller: ${writes.length} zone writes of more than one port, ${writes.reduce((n, l) => n + l.writes!, 0)} ports; first done at ${at(writes[0]!).toFixed(1)} s, last at ${at(writes.at(-1)!).toFixed(1)} s; slowest write ${Math.max(...writes.map((l) => l.ms ?? 0))} ms; ${logged.filter((l) => l.msg === 'write failed, retrying').length} failed`);
    }
    if (!allSteered()) throw new Error('not every zone steered after the changes');
    console.error(`propagation p50 ${quantile(lat, 0.5).toFixed(0)} ms, p99 ${quantile(lat, 0.99).toFixed(0)} ms (${(changesCpu * 1000 / CHANGES).toFixed(0)} ms CPU per change); controller peak RSS ${hwmMiB.toFixed(0)} MiB`);

    if (SKIP.has('baseline') || !once) {
      console.log(`zones ${ZONES}: controller converged ${convergeS.toFixed(2)} s (${convergeCpu.toFixed(1)} s CPU), p50/p99 ${quantile(lat, 0.5).toFixed(0)}/${quantile(lat, 0.99).toFixed(0)} ms, peak RSS ${hwmMiB.toFixed(0)} MiB (baseline and --once skipped: MVTEP_BENCH_SKIP)`);
      return;
    }
    // 3. The floor: the same 269,500 encap writes with nothing read or planned, one ready-made transaction per zone
    //    (as steering writes them: by row UUID, while type=remote), all 50 sent at once; timed until every one committed.
    await steerOnce(zones, { uninstall: true, timeoutMs: 60_000 });
    // Unwatched, as --once runs (a closed cache keeps its rows for the lookups below).
    for (const c of caches) c.close();
    const floorTx = caches.map((cache, z) => {
      const byIp = new Map([...cache.rows('Encap')].map(([u, e]) => [e.ip, u] as const));
      const tx = clients[z]!.transaction<OvnSouthboundTables>('OVN_Southbound');
      for (const [u, pb] of cache.rows('Port_Binding')) {
        if (pb.type !== 'remote') continue;
        tx.update('Port_Binding', [['_uuid', '==', Uuid.trusted(u)], ['type', '==', 'remote']], { encap: [Uuid.trusted(byIp.get(home.get(pb.logical_port)!)!)] });
      }
      return tx;
    });
    const floorCpu0 = await serverCpu();
    const tf = performance.now();
    await Promise.all(floorTx.map((tx) => tx.commit({ timeoutMs: 120_000 })));
    const floorS = (performance.now() - tf) / 1000;
    console.error(`floor: the ${remotePorts} writes alone, 50 transactions at once: ${floorS.toFixed(2)} s, the servers' CPU ${(await serverCpu() - floorCpu0).toFixed(1)} s`);

    // 4. Baseline: one ovn-sbctl set per remote port, two at a time, on a sample (after a full uninstall).
    await steerOnce(zones, { uninstall: true, timeoutMs: 60_000 });
    const jobs: string[][] = [];
    for (let j = 0; j < SAMPLE; j++) {
      const z = j % ZONES;
      const i = (z + 1 + (j % (ZONES - 1))) % ZONES;
      const lport = `pod-${i}-${j % PODS}`;
      const ip = home.get(lport)!;
      const encap = [...caches[z]!.rows('Encap')].find(([, e]) => e.ip === ip)![0];
      jobs.push([...rt.argv('ovn-sbctl'), `--db=${servers[z]!.remote}`, 'set', 'Port_Binding', lport, `encap=${encap}`]);
    }
    const tb = performance.now();
    let next = 0;
    await Promise.all([0, 1].map(async () => {
      while (next < jobs.length) {
        const argv = jobs[next++]!;
        const r = await run(argv);
        if (r.code !== 0) throw new Error(`ovn-sbctl failed: ${r.stderr}`);
      }
    }));
    const baseS = (performance.now() - tb) / 1000;
    const perSet = baseS / SAMPLE;
    const extrapolated = perSet * remotePorts;
    console.log(`| zones | remote ports per zone | all remote ports | \`ic steer --once\` (s) | its peak RSS (MiB) | controller: start to all steered (s) | one pod change to all ${ZONES - 1} other zones p50 / p99 (ms, ${CHANGES} changes) | controller peak RSS (MiB) | floor: the writes alone, 50 zones at once (s) | baseline \`ovn-sbctl set\` per port, 2 at a time: ${SAMPLE} sets (s) | baseline extrapolated to all ports (s) | baseline / --once |`);
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    console.log(`| ${ZONES} | ${(ZONES - 1) * PODS} | ${remotePorts} | ${once.seconds.toFixed(2)} | ${(once.maxRssKb / 1024).toFixed(0)} | ${convergeS.toFixed(2)} | ${quantile(lat, 0.5).toFixed(0)} / ${quantile(lat, 0.99).toFixed(0)} | ${hwmMiB.toFixed(0)} | ${floorS.toFixed(2)} | ${baseS.toFixed(1)} | ${extrapolated.toFixed(0)} | ${(extrapolated / once.seconds).toFixed(0)}x |`);
    if (!/watching zones/.test(log)) console.error(`controller log: ${log.slice(0, 2000)}`);
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.off(sig, onSignal);
    await cleanup();
  }
}

await main();
