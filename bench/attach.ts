// Benchmark: N sequential pod attaches (CNI ADD) with the "ovs-vswitchd has
// applied it" guarantee, against a real ovsdb-server + ovs-vswitchd (dummy
// datapath, --enable-dummy=override so every representor port is created).
//
//   mvtep:    NodeAttacher.attach({ iface, ifaceId, device, wait: true }) per
//             pod: sysfs VF -> PF -> mapping -> encap-ip, one transaction,
//             then wait for cur_cfg >= next_cfg (one connection, one monitor).
//   baseline: what ovnkube-node does per pod, one process:
//             ovs-vsctl --timeout=30 add-port br-int REP -- set Interface REP
//               external_ids:iface-id=... external_ids:iface-status=active
//               external_ids:attached-mac=... external_ids:encap-ip=IP
//             (ovs-vsctl waits for vswitchd by default: same guarantee; the
//             baseline gets the encap IP for free, no mapping lookup process).
// Both on fresh, identical databases and fixture trees, in the same run.
//
//   node --import tsx bench/attach.ts [N=1000] [BASELINE_N=N]
// BASELINE_N < N measures ovs-vsctl on the first BASELINE_N pods and scales
// per pod; the mvtep figure for the same first pods is printed alongside.
import { spawn } from 'node:child_process';
import { NodeAttacher } from '../src/node/attach.ts';
import { startOvs, type OvsHarness } from '../test/node/agentHarness.ts';
import type { FixtureNicSpec } from '../src/sriov/index.ts';

const N = Number(process.argv[2] ?? 1000);
const BASE_N = Number(process.argv[3] ?? N);
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

async function benchMvtep(): Promise<number[]> {
  const h = await startOvs({ vswitchd: true, nics, externalIds: ids });
  const times: number[] = [];
  try {
    const a = await NodeAttacher.open({ ovsdb: h.remote, sysfsRoot: h.sysfs.root });
    try {
      for (const [i, p] of pods(h).entries()) {
        const t0 = performance.now();
        const r = await a.attach({ iface: p.rep, ifaceId: `pod-${i}`, device: p.vfPci, attachedMac: p.mac, wait: true });
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

async function benchVsctl(): Promise<number[]> {
  const h = await startOvs({ vswitchd: true, nics, externalIds: ids });
  const env = { ...process.env, OVS_RUNDIR: h.dir };
  const times: number[] = [];
  try {
    for (const [i, p] of pods(h).slice(0, BASE_N).entries()) {
      const t0 = performance.now();
      await exec([...h.rt.argv('ovs-vsctl'), `--db=${h.remote}`, '--timeout=30', 'add-port', 'br-int', p.rep, '--', 'set', 'Interface', p.rep,
        `external_ids:iface-id=pod-${i}`, 'external_ids:iface-status=active', `external_ids:attached-mac="${p.mac}"`,
        `external_ids:encap-ip=192.0.2.${p.pf + 1}`], env);
      times.push(performance.now() - t0);
    }
    const cur = Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'cur_cfg']));
    const next = Number(await h.vsctl(['get', 'Open_vSwitch', '.', 'next_cfg']));
    if (cur < next) throw new Error(`baseline did not wait: cur_cfg ${cur} < next_cfg ${next}`);
  } finally {
    await h.down();
  }
  return times;
}

console.log(`attach benchmark: N=${N} pods (${PFS} PFs x ${VFS} VFs), baseline on ${BASE_N}`);
const mv = await benchMvtep();
console.log(`mvtep library (wait=true):    ${summary(mv)}`);
const base = await benchVsctl();
console.log(`ovs-vsctl per pod (waits):    ${summary(base)}`);
const mvFirst = mv.slice(0, BASE_N);
const mvMean = mvFirst.reduce((a, b) => a + b, 0) / mvFirst.length;
const baseMean = base.reduce((a, b) => a + b, 0) / base.length;
if (BASE_N < N) {
  console.log(`mvtep on the same first ${BASE_N}: ${summary(mvFirst)}`);
  console.log(`ovs-vsctl scaled to ${N}: ${((baseMean * N) / 1000).toFixed(2)} s (per-pod mean x N; assumes no growth with port count)`);
}
console.log(`speed-up (mean per pod, same pods): ${(baseMean / mvMean).toFixed(1)}x`);
console.log(`speed-up (total, mvtep ${N} vs ovs-vsctl ${N}${BASE_N < N ? ' scaled' : ''}): ${((baseMean * N) / mv.reduce((a, b) => a + b, 0)).toFixed(1)}x`);
