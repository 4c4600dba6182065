// Benchmark: N sequential pod attaches (CNI ADD) with the "ovs-vswitchd has
// applied it" guarantee, against a real ovsdb-server + ovs-vswitchd run the
// way the lab runs it (--enable-dummy --disable-system, representors as
// type=internal ports: there are no real representor netdevs here).
//
//   mvtep:    NodeAttacher.attach({ iface, ifaceId, device, wait: true }) per
//             pod: sysfs VF -> PF -> mapping -> encap-ip, one transaction,
//             then wait for cur_cfg >= next_cfg (one connection, one monitor).
//   baseline: what ovnkube-node does per pod, one process:
//             ovs-vsctl --timeout=30 add-port br-int REP -- set Interface REP
//               type=internal external_ids:iface-id=... iface-status=active
//               attached-mac=... encap-ip=IP
//             (ovs-vsctl waits for vswitchd by default: same guarantee; the
//             baseline gets the encap IP for free, no mapping lookup process).
// Then the same two without the guarantee (mvtep wait=false, ovs-vsctl
// --no-wait): what each tool itself costs, vswitchd's reconfiguration aside.
// Each run on a fresh, identical database and fixture tree, in one process.
//
//   node --import tsx bench/attach.ts [N=1000] [BASELINE_N=N] [dummy=plain|override]
// BASELINE_N < N measures ovs-vsctl on the first BASELINE_N pods only.
import { spawn } from 'node:child_process';
import { NodeAttacher } from '../src/node/attach.ts';
import { startOvs, type OvsHarness } from '../test/node/agentHarness.ts';
import type { FixtureNicSpec } from '../src/sriov/index.ts';

const N = Number(process.argv[2] ?? 1000);
const BASE_N = Number(process.argv[3] ?? N);
const DUMMY = process.argv[4] === 'override' ? 'override' : 'plain';
const TYPE = DUMMY === 'plain' ? 'internal' : '';
const PFS = 4;
const VFS = Math.ceil(N / PFS);

const nics: FixtureNicSpec[] = Array.from({ length: PFS }, (_, i) => ({
  pf: `enp${i + 1}s0f0`, pci: `0000:0${i + 1}:00.0`, totalVfs: VFS, numVfs: VFS,
}));
const ids = {
  'ovn-encap-ip': '192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4',
  'ovn-pf-encap-ip-mapping': nics.map((n, i) => `${n.pf}:192.0.2.${i + 1}`).join(','),
};

interface Pod { rep: string; vfPci: string; pf: number; mac: string }

function pods(h: OvsHarness): Pod[] {
  const out: Pod[] = [];
  for (let v = 0; v < VFS; v++) {
    h.sysfs.nics.forEach((nic, p) => {
      const vf = nic.vfs[v]!;
      if (out.length < N) out.push({ rep: vf.representor!, vfPci: vf.pci, pf: p, mac: vf.mac });
    });
  }
  return out;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const total = ms.reduce((a, b) => a + b, 0);
  return `total ${(total / 1000).toFixed(2)} s, mean ${(total / ms.length).toFixed(2)} ms, p50 ${pct(s, 50).toFixed(2)} ms, p99 ${pct(s, 99).toFixed(2)} ms`;
}

function exec(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const c = spawn(file!, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')}: exit ${code}: ${err}`))));
  });
}

async function benchMvtep(wait: boolean): Promise<number[]> {
  const h = await startOvs({ vswitchd: true, dummy: DUMMY, nics, externalIds: ids });
  const times: number[] = [];
  try {
    const a = await NodeAttacher.open({ ovsdb: h.remote, sysfsRoot: h.sysfs.root });
    try {
      for (const [i, p] of pods(h).entries()) {
        const t0 = performance.now();
        const r = await a.attach({ iface: p.rep, ifaceId: `pod-${i}`, device: p.vfPci, attachedMac: p.mac, wait, ...(TYPE ? { ifaceType: TYPE } : {}) });
        times.push(performance.now() - t0);
        if (r.encapIp !== `192.0.2.${p.pf + 1}`) throw new Error(`wrong encap-ip for ${p.rep}: ${r.encapIp}`);
      }
    } finally {
      a.close();
    }
    const ports = (await h.vsctl(['list-ports', 'br-int'])).split('\n').length;
    if (ports !== N) throw new Error(`expected ${N} ports, found ${ports}`);
  } finally {
    await h.down();
  }
  return times;
}

async function benchVsctl(wait: boolean): Promise<number[]> {
  const h = await startOvs({ vswitchd: true, dummy: DUMMY, nics, externalIds: ids });
  const env = { ...process.env, OVS_RUNDIR: h.dir };
  const times: number[] = [];
  try {
    for (const [i, p] of pods(h).slice(0, BASE_N).entries()) {
      const t0 = performance.now();
      await exec([...h.rt.argv('ovs-vsctl'), `--db=${h.remote}`, '--timeout=30', ...(wait ? [] : ['--no-wait']),
        'add-port', 'br-int', p.rep, '--', 'set', 'Interface', p.rep, ...(TYPE ? [`type=${TYPE}`] : []),
        `external_ids:iface-id=pod-${i}`, 'external_ids:iface-status=active', `external_ids:attached-mac="${p.mac}"`,
        `external_ids:encap-ip=192.0.2.${p.pf + 1}`], env);
      times.push(performance.now() - t0);
    }
    if (wait) {
      const cur = Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'cur_cfg']));
      const next = Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'next_cfg']));
      if (cur < next) throw new Error(`baseline did not wait: cur_cfg ${cur} < next_cfg ${next}`);
    }
  } finally {
    await h.down();
  }
  return times;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function compare(label: string, mv: number[], base: number[]): void {
  console.log(`${label}`);
  console.log(`  mvtep library:        ${summary(mv)}`);
  console.log(`  ovs-vsctl per pod:    ${summary(base)}`);
  if (BASE_N < N) {
    const first = mv.slice(0, BASE_N);
    console.log(`  mvtep, first ${BASE_N}:   ${summary(first)}`);
    console.log(`  ovs-vsctl scaled to ${N}: ${((mean(base) * N) / 1000).toFixed(2)} s (per-pod mean x N)`);
  }
  console.log(`  speed-up (mean per pod over the same pods): ${(mean(base) / mean(mv.slice(0, BASE_N))).toFixed(1)}x`);
}

console.log(`attach benchmark: N=${N} pods (${PFS} PFs x ${VFS} VFs), baseline on ${BASE_N}, ovs-vswitchd dummy=${DUMMY}, port type=${TYPE || 'system'}`);
const mvWait = await benchMvtep(true);
const baseWait = await benchVsctl(true);
compare('with the guarantee (vswitchd applied each attach before the next):', mvWait, baseWait);
const mvNoWait = await benchMvtep(false);
const baseNoWait = await benchVsctl(false);
compare('without it (committed only: the cost of the tool itself):', mvNoWait, baseNoWait);
console.log(`ovs-vswitchd's share (mvtep wait - no-wait, per pod): ${(mean(mvWait) - mean(mvNoWait)).toFixed(2)} ms`);
