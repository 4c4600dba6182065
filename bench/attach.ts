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
import { NodeAttacher } from '../src/node/attach.ts';
import { startOvs } from '../test/node/agentHarness.ts';
import { attachIds, attachNics, mean, PFS, podsOf, runProcess, summary, vsctlAttachArgv, vtepOf } from './attachFixture.ts';

const N = Number(process.argv[2] ?? 1000);
const BASE_N = Number(process.argv[3] ?? N);
const DUMMY = process.argv[4] === 'override' ? 'override' : 'plain';
const TYPE = DUMMY === 'plain' ? 'internal' : '';
const VFS = Math.ceil(N / PFS);

const nics = attachNics(VFS);
const ids = attachIds(nics);

async function benchMvtep(wait: boolean): Promise<number[]> {
  const h = await startOvs({ vswitchd: true, dummy: DUMMY, nics, externalIds: ids });
  const times: number[] = [];
  try {
    const a = await NodeAttacher.open({ ovsdb: h.remote, sysfsRoot: h.sysfs.root });
    try {
      for (const [i, p] of podsOf(h, N).entries()) {
        const t0 = performance.now();
        const r = await a.attach({ iface: p.rep, ifaceId: `pod-${i}`, device: p.vfPci, attachedMac: p.mac, wait, ...(TYPE ? { ifaceType: TYPE } : {}) });
        times.push(performance.now() - t0);
        if (r.encapIp !== vtepOf(p.pf)) throw new Error(`wrong encap-ip for ${p.rep}: ${r.encapIp}`);
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
    for (const [i, p] of podsOf(h, BASE_N).entries()) {
      const t0 = performance.now();
      await runProcess(vsctlAttachArgv(h, p, `pod-${i}`, { wait, type: TYPE }), env);
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
