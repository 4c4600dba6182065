// Benchmark: pods started at once (a node joins, a deployment scales, pods
// rescheduled after a node failure), each CNI ADD its own process as kubelet
// runs them, on a node that already has 1000 ports. Real ovsdb-server +
// ovs-vswitchd, set up as bench/attach.ts does (--enable-dummy, representors
// as type=internal ports); every run on a fresh, identical node.
//
//   mvtep:    `mvtep agent --attach-socket SOCK` runs beside (as the
//             DaemonSet does); per pod one process
//             `node bin/mvtep.js attach --agent SOCK --iface REP --iface-id ID
//               --device VF --mac MAC --type internal --wait --json`:
//             the agent writes the requests that arrive together in one
//             transaction and answers each once ovs-vswitchd applied it.
//   baseline: per pod one `ovs-vsctl add-port br-int REP -- set Interface REP
//             ... external_ids:encap-ip=IP` process (what ovnkube-node runs),
//             all started at once; without --no-wait, so each returns once
//             ovs-vswitchd applied its change (cur_cfg), the same guarantee.
//
// Burst: all N processes spawned back to back; per pod = its spawn to its
// exit; "all applied" = the first spawn to the last exit. Then, on a fresh
// node, SEQ pods one process after the other (no concurrency), both tools.
// Every pod is checked afterwards: its port exists, its encap-ip is its
// PF's VTEP, and cur_cfg has reached next_cfg.
//
// Floor, in the same run: the same number of `node -e 0` processes, in the
// same shape. No process-per-pod Node tool can finish before it; mvtep's
// figures minus the floor are what mvtep itself costs.
//
// Memory guard: N Node processes alive at once take ~40 MiB each; if the
// machine's available memory falls under 1 GiB the bench kills the
// processes it started (by PID) and stops, instead of waking the OOM killer.
//
// The compiled build must be current (`npm run build`), as installed.
//
//   node --import tsx bench/attach-burst.ts [BURSTS=10,100,500] [SEQ=300] [EXISTING=1000]
// BURSTS=0 runs the sequential part only, SEQ=0 the bursts only.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeAttacher, type AttachResult, type BatchItem } from '../src/node/attach.ts';
import { spawnDaemon, stopDaemons, logTail, type DaemonRecord } from '../src/lab/process.ts';
import { waitFor, ready, notYet } from '../src/lab/wait.ts';
import { canConnect } from '../src/util/unixSocket.ts';
import { buildIsCurrent } from '../scripts/source-stamp.mjs';
import { startOvs, type OvsHarness } from '../test/node/agentHarness.ts';
import { attachIds, attachNics, MAX_VFS, mean, PFS, pct, podsOf, runProcess, vsctlAttachArgv, vtepOf, type Pod } from './attachFixture.ts';

const BURSTS = (process.argv[2] ?? '10,100,500').split(',').map(Number).filter((n) => n > 0);
const SEQ = Number(process.argv[3] ?? 300);
const EXISTING = Number(process.argv[4] ?? 1000);
const TYPE = 'internal';
const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin/mvtep.js');
/** bin/mvtep.js runs the sources through tsx when dist/ is stale: that is not the installed command. */
function requireBuild(): void {
  if (!buildIsCurrent(root, {})) throw new Error('dist/ is missing or older than src/: run `npm run build` first (and do not edit src/ during the run)');
}
requireBuild();

const VFS_NEEDED = EXISTING + Math.max(...BURSTS, SEQ);
const PF_COUNT = Math.max(PFS, Math.ceil(VFS_NEEDED / MAX_VFS));
const nics = attachNics(Math.ceil(VFS_NEEDED / PF_COUNT), PF_COUNT);
const ids = attachIds(nics);

/** A node with EXISTING pods already attached and applied (one transaction, written by the library). */
async function node(): Promise<OvsHarness> {
  const h = await startOvs({ vswitchd: true, dummy: 'plain', nics, externalIds: ids });
  try {
    const a = await NodeAttacher.open({ ovsdb: h.remote, sysfsRoot: h.sysfs.root });
    try {
      const items: BatchItem[] = podsOf(h, EXISTING).map((p, i) => ({
        kind: 'attach', input: { iface: p.rep, ifaceId: `old-${i}`, device: p.vfPci, attachedMac: p.mac, ifaceType: TYPE, wait: true },
      }));
      const c = await a.commitBatch(items);
      const refused = c.outcomes.filter((o) => o.kind !== 'done').length;
      if (refused) throw new Error(`${refused} of the ${EXISTING} existing ports were not written`);
      if (c.nextCfg !== undefined) await a.waitApplied(c.nextCfg, { timeoutMs: 120_000 });
    } finally {
      a.close();
    }
    return h;
  } catch (err) {
    await h.down();
    throw err;
  }
}

/** The pods a run attaches: the VFs after the existing ones. */
const newPods = (h: OvsHarness, n: number): Pod[] => podsOf(h, EXISTING + n).slice(EXISTING);

async function startAgent(h: OvsHarness): Promise<{ sock: string; rec: DaemonRecord }> {
  const sock = join(h.dir, 'attach.sock');
  const log = join(h.dir, 'agent.log');
  const rec = await spawnDaemon({
    name: 'mvtep-agent', env: { ...process.env, MVTEP_FROM_SOURCE: '' }, log, cwd: h.dir,
    argv: [process.execPath, BIN, 'agent', '--ovsdb', h.remote, '--sysfs', h.sysfs.root, '--attach-socket', sock, '--resync', '0', '--log-level', 'warn'],
  });
  try {
    await waitFor('the agent to serve its attach socket', async () => ((await canConnect(sock)) ? ready(true) : notYet(await logTail(log))), 60_000);
  } catch (err) {
    await stopDaemons([rec]);
    throw err;
  }
  return { sock, rec };
}

const mvtepArgv = (sock: string, p: Pod, id: string) => [process.execPath, BIN, 'attach', '--agent', sock, '--iface', p.rep, '--iface-id', id,
  '--device', p.vfPci, '--mac', p.mac, '--type', TYPE, '--wait', '--json', '--timeout', '120'];

interface Run { readonly allMs: number; readonly perPod: number[]; readonly reconfigs: number }

/** MemAvailable of the machine, in MiB. */
function availableMiB(): number {
  const kb = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Spawns every argv back to back; per-pod time is its own spawn to exit, all = first spawn to last exit. */
async function burst(argvs: readonly string[][], env: NodeJS.ProcessEnv): Promise<{ allMs: number; perPod: number[]; outs: string[] }> {
  const t0 = performance.now();
  const children = new Set<ChildProcess>();
  let lowMemory = false;
  const guard = setInterval(() => {
    if (availableMiB() > 1024) return;
    lowMemory = true;
    for (const c of children) c.kill('SIGKILL');
  }, 100);
  try {
    const runs = argvs.map((argv) => {
      const start = performance.now();
      return runProcess(argv, env, (c) => {
        children.add(c);
        c.once('close', () => children.delete(c));
      }).then((out) => ({ ms: performance.now() - start, out }));
    });
    const done = await Promise.all(runs).catch((err: unknown) => {
      throw lowMemory ? new Error(`stopped: the machine's available memory fell under 1 GiB with ${argvs.length} processes at once`) : err;
    });
    return { allMs: performance.now() - t0, perPod: done.map((d) => d.ms), outs: done.map((d) => d.out) };
  } finally {
    clearInterval(guard);
  }
}

/** One after the other: the sum is the time until all are applied. */
async function sequence(argvs: readonly string[][], env: NodeJS.ProcessEnv): Promise<{ allMs: number; perPod: number[]; outs: string[] }> {
  const t0 = performance.now();
  const perPod: number[] = [];
  const outs: string[] = [];
  for (const argv of argvs) {
    const start = performance.now();
    outs.push(await runProcess(argv, env));
    perPod.push(performance.now() - start);
  }
  return { allMs: performance.now() - t0, perPod, outs };
}

/** Every pod's port exists with its PF's VTEP, and vswitchd has applied the last change. Returns next_cfg. */
async function check(h: OvsHarness, pods: readonly Pod[]): Promise<number> {
  const ports = new Set((await h.vsctl(['list-ports', 'br-int'])).split('\n'));
  if (ports.size !== EXISTING + pods.length) throw new Error(`expected ${EXISTING + pods.length} ports, found ${ports.size}`);
  const rows = await h.vsctl(['--format=csv', '--data=bare', '--no-headings', '--columns=name,external_ids', 'list', 'Interface']);
  const encap = new Map(rows.split('\n').map((l) => [l.split(',')[0]!, /encap-ip=([0-9.]+)/.exec(l)?.[1]]));
  for (const p of pods) {
    if (!ports.has(p.rep)) throw new Error(`${p.rep} was not attached`);
    if (encap.get(p.rep) !== vtepOf(p.pf)) throw new Error(`${p.rep}: encap-ip ${encap.get(p.rep)}, expected ${vtepOf(p.pf)}`);
  }
  const cur = Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'cur_cfg']));
  const next = Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'next_cfg']));
  if (cur < next) throw new Error(`not applied: cur_cfg ${cur} < next_cfg ${next}`);
  return next;
}

type Shape = (argvs: readonly string[][], env: NodeJS.ProcessEnv) => Promise<{ allMs: number; perPod: number[]; outs: string[] }>;

async function runMvtep(n: number, shape: Shape): Promise<Run> {
  const h = await node();
  try {
    const agent = await startAgent(h);
    try {
      const pods = newPods(h, n);
      const cfg0 = Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'next_cfg']));
      const r = await shape(pods.map((p, i) => mvtepArgv(agent.sock, p, `pod-${i}`)), { ...process.env, MVTEP_FROM_SOURCE: '' });
      r.outs.forEach((o, i) => {
        const res = JSON.parse(o) as AttachResult;
        if (res.encapIp !== vtepOf(pods[i]!.pf) || res.appliedCfg === undefined) throw new Error(`pod ${i}: ${o}`);
      });
      const next = await check(h, pods);
      // A src/ edit during the run would have made the pods run from source.
      requireBuild();
      return { allMs: r.allMs, perPod: r.perPod, reconfigs: next - cfg0 };
    } finally {
      await stopDaemons([agent.rec]);
    }
  } finally {
    await h.down();
  }
}

/** The floor: as many bare `node -e 0` processes, in the same shape. */
async function runFloor(n: number, shape: Shape): Promise<Run> {
  const r = await shape(Array.from({ length: n }, () => [process.execPath, '-e', '0']), process.env);
  return { allMs: r.allMs, perPod: r.perPod, reconfigs: 0 };
}

async function runVsctl(n: number, shape: Shape): Promise<Run> {
  const h = await node();
  try {
    const pods = newPods(h, n);
    const cfg0 = Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'next_cfg']));
    // --timeout=1800: the figure is when each pod is applied, not when ovnkube-node's 30 s timeout would fail it.
    const r = await shape(pods.map((p, i) => vsctlAttachArgv(h, p, `pod-${i}`, { wait: true, type: TYPE, timeoutS: 1800 })), { ...process.env, OVS_RUNDIR: h.dir });
    const next = await check(h, pods);
    return { allMs: r.allMs, perPod: r.perPod, reconfigs: next - cfg0 };
  } finally {
    await h.down();
  }
}

const s = (ms: number) => (ms / 1000).toFixed(2);
function line(label: string, r: Run): string {
  const sorted = [...r.perPod].sort((a, b) => a - b);
  return `  ${label.padEnd(11)} all applied ${s(r.allMs).padStart(7)} s   per pod p50 ${pct(sorted, 50).toFixed(0).padStart(6)} ms  p99 ${pct(sorted, 99).toFixed(0).padStart(6)} ms  ` +
    `mean ${mean(sorted).toFixed(0).padStart(6)} ms   next_cfg bumps ${r.reconfigs}`;
}
function ratios(label: string, a: Run, b: Run): string {
  const p = (r: Run, q: number) => pct([...r.perPod].sort((x, y) => x - y), q);
  return `  ${label}: all applied ${(a.allMs / b.allMs).toFixed(2)}x, p50 ${(p(a, 50) / p(b, 50)).toFixed(2)}x, p99 ${(p(a, 99) / p(b, 99)).toFixed(2)}x`;
}
function report(title: string, mv: Run, base: Run, floor: Run): void {
  console.log(title);
  console.log(line('mvtep', mv));
  console.log(line('ovs-vsctl', base));
  console.log(line('node -e 0', floor));
  console.log(ratios('baseline / mvtep', base, mv));
  console.log(ratios('mvtep / floor', mv, floor));
  console.log(ratios('baseline / floor (the most any Node process per pod can gain)', base, floor));
}

console.log(`attach burst benchmark: ${EXISTING} existing ports, ${nics.length} PFs x ${nics[0]!.numVfs} VFs, ovs-vswitchd --enable-dummy, type=${TYPE}, node ${process.version}`);
for (const n of BURSTS) {
  const mv = await runMvtep(n, burst);
  const base = await runVsctl(n, burst);
  const floor = await runFloor(n, burst);
  report(`burst of ${n} pods, each its own process, all started at once:`, mv, base, floor);
}
if (SEQ > 0) {
  const mv = await runMvtep(SEQ, sequence);
  const base = await runVsctl(SEQ, sequence);
  const floor = await runFloor(SEQ, sequence);
  report(`${SEQ} pods one after the other, each its own process:`, mv, base, floor);
}
