// Integration: `mvtep ic steer` on a real interconnect lab (examples/seed-ic.yaml:
// 3 zones, real ovn-ic, 3 VTEPs per node). Before steering, cross-zone L2
// traffic targets arbitrary VTEPs of the destination node; after, every pair
// targets the destination pod's own VTEP (ofproto/trace on the source
// chassis), the controller follows changes within 2 s, and --uninstall
// restores every zone's SB.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lab, PodHandle } from '../../src/lab/index.ts';
import { parseL3Subnets, type ZonesFile } from '../../src/config/index.ts';
import { IC_ZONE_SB_COLUMNS, icZoneFromRows, readRows, type IcZoneSouthbound } from '../../src/observe/index.ts';
import type { OvnSouthboundTables } from '../../src/schema/index.ts';
import { SteerController, steerOnce, type SteerEvent } from '../../src/ic/index.ts';
import { notYet, pollUntil, ready } from '../../src/util/wait.ts';
import { runCli } from '../helpers/cliIo.ts';
import { traceAcrossZones } from '../../src/trace/index.ts';
import { startIcLab, type IcLab } from './helpers/icLab.ts';

let lab: Lab;
let zones: ZonesFile;

let ic: IcLab | undefined;

before(async () => {
  ic = await startIcLab('mvtep-icsteer-');
  ({ lab, zones } = ic);
});

after(async () => {
  await ic?.close();
});

const l2Pods = () => Object.values(lab.pods).filter((p) => p.switch === 'ls-l2');

async function readZone(name: string): Promise<IcZoneSouthbound> {
  const spec = zones.zones.find((z) => z.name === name)!;
  return icZoneFromRows(await readRows<OvnSouthboundTables>(spec.sb, 'OVN_Southbound', IC_ZONE_SB_COLUMNS, { timeoutMs: 10_000 }));
}

/** IP the remote port `lport` points at in zone `zone` (undefined: unpinned). */
async function remoteEncapIp(zone: string, lport: string): Promise<string | undefined> {
  const sb = await readZone(zone);
  const pb = sb.portBindings.find((p) => p.logicalPort === lport && p.type === 'remote');
  assert.ok(pb, `zone ${zone} has remote port ${lport}`);
  return pb.encap === undefined ? undefined : sb.encaps.get(pb.encap)?.ip;
}

/** Zone -> sorted text of what steering may touch: Port_Bindings and SB_Global external_ids. */
async function sbDump(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const z of zones.zones) {
    const pbs = await lab.zoneSbctl(z.name, ['--format=csv', '--columns=logical_port,type,chassis,encap,options,external_ids', 'list', 'Port_Binding']);
    const global = await lab.zoneSbctl(z.name, ['get', 'SB_Global', '.', 'external_ids']);
    out.set(z.name, [...pbs.trim().split('\n').sort(), global.trim()].join('\n'));
  }
  return out;
}

/**
 * Every cross-zone pair among `pods`: how many, and those whose tunnel leaves on
 * another VTEP than the source pod's or targets another than the destination pod's.
 */
async function crossZonePairs(pods: readonly PodHandle[]): Promise<{ pairs: number; wrong: string[] }> {
  const wrong: string[] = [];
  let pairs = 0;
  for (const a of pods) for (const b of pods) {
    if (a.chassis === b.chassis) continue;
    const e = await lab.traceEgress(a.name, b.name);
    pairs++;
    if (e.kind !== 'tunnel') wrong.push(`${a.name}->${b.name}: ${e.kind}`);
    else if (e.localIp !== a.encapIp || e.remoteIp !== b.encapIp) wrong.push(`${a.name}->${b.name}: ${e.localIp}->${e.remoteIp} (want ${a.encapIp}->${b.encapIp})`);
  }
  return { pairs, wrong };
}
const l2Pairs = () => crossZonePairs(l2Pods());

test('L2: steer --once pins every cross-zone pair to the destination pod VTEP; --uninstall restores every SB', async () => {
  const before = await l2Pairs();
  assert.equal(before.pairs, 54);
  assert.ok(before.wrong.length > 0, 'upstream: some pairs target a VTEP other than the destination pod');
  const dumpBefore = await sbDump();

  const dry = await steerOnce(zones, { dryRun: true });
  assert.equal(dry.totals.written, 18, 'dry run: 6 remote pod ports in each of 3 zones');
  assert.deepEqual(await sbDump(), dumpBefore, 'dry run writes nothing');

  const r = await steerOnce(zones);
  assert.equal(r.totals.unreachable, 0);
  assert.equal(r.totals.pending, 0);
  assert.equal(r.totals.steered, 18);
  const after = await l2Pairs();
  assert.deepEqual(after.wrong, [], 'after steering every pair targets the destination pod VTEP');
  assert.equal((await steerOnce(zones)).totals.written, 0, 'a second run has nothing to write');

  const u = await steerOnce(zones, { uninstall: true });
  assert.equal(u.totals.written, 18);
  assert.deepEqual(await sbDump(), dumpBefore, 'uninstall leaves every zone SB as before');
});

const l3Pods = () => Object.values(lab.pods).filter((p) => p.switch !== 'ls-l2');

const l3Pairs = () => crossZonePairs(l3Pods());

/** Zone -> sorted text of every NB row L3 steering may touch: routers' ports and routes, switch ports. */
async function nbDump(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const z of zones.zones) {
    const tables: [string, string][] = [['Logical_Router', 'name,ports,static_routes'], ['Logical_Router_Port', 'name,mac,networks'],
      ['Logical_Router_Static_Route', 'ip_prefix,nexthop,output_port'], ['Logical_Switch_Port', 'name,type,options'], ['Gateway_Chassis', 'name']];
    const parts = await Promise.all(tables.map(([t, cols]) => lab.zoneNbctl(z.name, ['--format=csv', '--data=bare', '--no-headings', `--columns=${cols}`, 'list', t])));
    out.set(z.name, parts.map((p) => p.trim().split('\n').sort().join('\n')).join('\n--\n'));
  }
  return out;
}

test('L3: steer --once --l3-subnets routes every cross-zone pair to the destination pod VTEP; --uninstall restores every NB and SB', async () => {
  const subnets = parseL3Subnets('203.0.113.128/28,203.0.113.144/28,203.0.113.160/28', zones.zones.length);
  const before = await l3Pairs();
  assert.equal(before.pairs, 54);
  assert.ok(before.wrong.length > 0, 'upstream: some routed pairs target a VTEP other than the destination pod');
  const [nbBefore, sbBefore] = [await nbDump(), await sbDump()];

  const dry = await steerOnce(zones, { dryRun: true, l3Subnets: subnets });
  // Per zone: 3 steering ports, and a /32 for each of the 6 routed pods of the other two zones.
  assert.deepEqual(dry.zones.map((z) => [z.nb?.portsAdded.length, z.nb?.routesAdded.length]), [[3, 6], [3, 6], [3, 6]]);
  assert.deepEqual(await nbDump(), nbBefore, 'dry run writes nothing');

  const r = await steerOnce(zones, { l3Subnets: subnets });
  assert.equal(r.totals.unreachable, 0);
  assert.deepEqual(r.zones.flatMap((z) => z.pending), []);
  // 6 L2 pod ports and 6 transit peers (2 other zones x 3 VTEPs) pinned in each zone.
  assert.equal(r.totals.steered, 36);
  const after = await l3Pairs();
  assert.deepEqual(after.wrong, [], 'after steering every routed pair leaves on the source pod VTEP and targets the destination pod VTEP');
  // trace follows the steering route to the per-VTEP transit port and judges the path steered.
  const { result: tr } = await traceAcrossZones({ zones, from: 'l3-stream-1', to: 'l3-storage-3' });
  assert.equal(tr.interconnect?.verdict, 'steered');
  assert.deepEqual([tr.interconnect?.remotePort?.lport, tr.interconnect?.remotePort?.route?.steering, tr.remote_ip], ['mvtep-tstor-hv3-2', true, '192.0.2.33']);
  // --confirm injects the pod's routed frame (to its router's MAC): OVN's real pipeline agrees with the model.
  const { result: conf } = await traceAcrossZones({ zones, from: 'l3-stream-1', to: 'l3-storage-3', confirm: true });
  assert.ok(conf.confirm, 'a confirm result');
  assert.deepEqual(conf.confirm.differences, [], 'ofproto/trace agrees on the routed path');
  assert.equal(conf.confirm.agrees, true);
  assert.equal(conf.confirm.observed?.remote_ip, '192.0.2.33');
  const again = await steerOnce(zones, { l3Subnets: subnets });
  assert.equal(again.totals.written + again.totals.nbWritten, 0, 'a second run has nothing to write');

  const u = await steerOnce(zones, { uninstall: true });
  assert.equal(u.totals.nbWritten, 3 * (3 + 3 + 6), 'every steering port pair and route removed');
  assert.deepEqual(await nbDump(), nbBefore, 'uninstall leaves every zone NB as before');
  // ovn-ic withdraws the published transit peers from the other zones' SBs on its own schedule.
  await pollUntil(async () => {
    const now = await sbDump();
    return [...now].every(([k, v]) => sbBefore.get(k) === v) ? ready(true) : notYet('remote transit peers still present');
  }, 15_000, { onTimeout: (why) => new Error(`SBs not restored: ${why}`), maxIntervalMs: 100 });
  assert.ok((await l3Pairs()).wrong.length > 0, 'after uninstall the upstream behaviour is back');
});

test('L3 controller: converges, then follows a routed pod moving to another VTEP within 2 s', async () => {
  const subnets = parseL3Subnets('203.0.113.128/28,203.0.113.144/28,203.0.113.160/28', zones.zones.length);
  const c = new SteerController(zones, { timeoutMs: 5000, l3Subnets: subnets }).start();
  try {
    await c.converged(30_000);
    assert.deepEqual((await l3Pairs()).wrong, []);
    // l3-stream-2's VF is re-labelled to hv2's management VTEP: every other zone must route it via port index 0.
    const s2 = lab.pods['l3-stream-2']!;
    const t0 = performance.now();
    await lab.vsctl('hv2', ['set', 'Interface', s2.representor, 'external_ids:encap-ip=192.0.2.21']);
    await pollUntil(async () => {
      const routes = await Promise.all(['hv1', 'hv3'].map((z) => lab.zoneNbctl(z, ['--bare', '--columns=nexthop,output_port', 'find', 'Logical_Router_Static_Route', `ip_prefix="${s2.ip}/32"`])));
      return routes.every((r, i) => r.includes('203.0.113.130') && r.includes(`mvtep-ts-hv${i === 0 ? 1 : 3}-0`)) ? ready(true) : notYet(routes.join(' | '));
    }, 10_000, { onTimeout: (why) => new Error(`L3 steering did not follow: ${why}`), maxIntervalMs: 50 });
    const took = performance.now() - t0;
    console.log(`# L3 route followed the VTEP change in ${Math.round(took)} ms`);
    assert.ok(took < 2000, `followed in ${Math.round(took)} ms (limit 2000)`);
    await c.converged(10_000);
    const moved = { ...s2, encapIp: '192.0.2.21' };
    for (const a of l3Pods().filter((p) => p.chassis !== 'hv2')) {
      const e = await lab.traceEgress(a.name, s2.name);
      assert.ok(e.kind === 'tunnel' && e.remoteIp === moved.encapIp && e.localIp === a.encapIp, `${a.name} -> ${s2.name}: ${e.kind === 'tunnel' ? `${e.localIp}->${e.remoteIp}` : e.kind}`);
    }
    await lab.vsctl('hv2', ['set', 'Interface', s2.representor, 'external_ids:encap-ip=192.0.2.22']);
  } finally {
    c.close();
  }
  const u = await steerOnce(zones, { uninstall: true });
  assert.equal(u.totals.unreachable, 0);
});

test('CLI: ic steer exits 1 with the pending reason, 0 once converged, 0 after --uninstall (--json reports)', async () => {
  type Report = { totals: { pending: number; written: number; nbWritten: number }; zones: { pending: { reason: string }[] }[] };
  const file = (await lab.status()).zonesFile!;
  const few = await runCli(['ic', 'steer', '--zones', file, '--once', '--dry-run', '--json', '--l3-subnets', '203.0.113.128/28']);
  assert.equal(few.code, 1, few.err);
  const fr = JSON.parse(few.out) as Report;
  assert.match(fr.zones[0]!.pending.map((p) => p.reason).join('; '), /hv1 has 3 VTEPs but --l3-subnets gives 1/);
  const ok = await runCli(['ic', 'steer', '--zones', file, '--once', '--json']);
  assert.equal(ok.code, 0, ok.err);
  assert.deepEqual([(JSON.parse(ok.out) as Report).totals.pending, (JSON.parse(ok.out) as Report).totals.written], [0, 18]);
  const text = await runCli(['ic', 'steer', '--zones', file, '--once']);
  assert.equal(text.code, 0);
  assert.match(text.out, /3 zones \(0 unreachable\): 18 steered, wrote 0, 0 pending/);
  const un = await runCli(['ic', 'steer', '--zones', file, '--uninstall', '--json']);
  assert.equal(un.code, 0, un.err);
  assert.equal((JSON.parse(un.out) as Report).totals.written, 18);
});

/** Waits until `lport` points at `ip` in every zone but its home; returns the ms it took from `t0`. */
async function followed(lport: string, home: string, ip: string, t0: number): Promise<number> {
  await followedIn(zones.zones.filter((z) => z.name !== home).map((z) => z.name), lport, ip);
  return performance.now() - t0;
}

async function followedIn(others: readonly string[], lport: string, ip: string): Promise<void> {
  await pollUntil(async () => {
    const got = await Promise.all(others.map((z) => remoteEncapIp(z, lport)));
    return got.every((g) => g === ip) ? ready(true) : notYet(`${lport}: ${got.join(', ')}`);
  }, 10_000, { onTimeout: (why) => new Error(`steering did not follow: ${why}`), maxIntervalMs: 50 });
}

/** No remote pod port anywhere points at a VTEP other than its pod's current one. */
async function assertNothingStale(): Promise<void> {
  const views = new Map<string, IcZoneSouthbound>();
  for (const z of zones.zones) views.set(z.name, await readZone(z.name));
  const pods = new Set(l2Pods().map((p) => p.lport));
  let checked = 0;
  for (const [zone, sb] of views) for (const pb of sb.portBindings) {
    if (pb.type !== 'remote' || !pods.has(pb.logicalPort)) continue;
    const homeZone = zones.zones.find((z) => z.chassis.some((c) => c.name === pb.chassis))!.name;
    const home = views.get(homeZone)!;
    const local = home.portBindings.find((p) => p.logicalPort === pb.logicalPort && p.type === '')!;
    const want = home.encaps.get(local.encap!)?.ip;
    assert.equal(pb.encap === undefined ? undefined : sb.encaps.get(pb.encap)?.ip, want, `${pb.logicalPort} in ${zone}`);
    checked++;
  }
  assert.equal(checked, 18);
}

test('controller: follows an encap-ip change, a NIC move, a zone SB crash, a new remote VTEP and (at a resync) another writer, each within 2 s', async () => {
  const c = new SteerController(zones, { timeoutMs: 5000 });
  const said: SteerEvent[] = [];
  c.on('event', (e) => { if (e.kind === 'converged') said.push(e); });
  c.start();
  try {
    await c.converged(20_000);
    assert.deepEqual((await l2Pairs()).wrong, []);
    // It says so once, when it happens: 18 remote pod ports steered (each L2 pod seen from the 2 other zones).
    assert.equal(said.length, 1);
    assert.deepEqual(said[0], { kind: 'converged', steered: 18, pending: 0 });
    const took: Record<string, number> = {};

    // 1. encap-ip of a pod changes (its VF re-labelled to the management VTEP).
    const s2 = lab.pods['l2-stream-2']!;
    let t0 = performance.now();
    await lab.vsctl('hv2', ['set', 'Interface', s2.representor, 'external_ids:encap-ip=192.0.2.21']);
    took.encapIp = await followed(s2.lport, 'hv2', '192.0.2.21', t0);

    // 2. a pod moves to a VF of another NIC: old representor gone, new one on the storage PF.
    const m1 = lab.pods['l2-mgmt-1']!;
    t0 = performance.now();
    await lab.vsctl('hv1', ['del-port', 'br-int', m1.representor, '--', 'add-port', 'br-int', 'enp3s0f0_3',
      '--', 'set', 'Interface', 'enp3s0f0_3', 'type=internal', `external_ids:iface-id=${m1.lport}`,
      `external_ids:attached-mac=${m1.mac}`, 'external_ids:iface-status=active', 'external_ids:encap-ip=192.0.2.13']);
    took.nicMove = await followed(m1.lport, 'hv1', '192.0.2.13', t0);

    // 3. zone hv2's SB is killed; while it is down a pod elsewhere changes; it comes back.
    const st3 = lab.pods['l2-storage-3']!;
    await lab.crashAndRestart('hv2-ovsdb-server-sb', async () => {
      await lab.vsctl('hv3', ['set', 'Interface', st3.representor, 'external_ids:encap-ip=192.0.2.31']);
      // Zone hv1 follows while hv2 is down; hv2 cannot.
      await followedIn(['hv1'], st3.lport, '192.0.2.31');
    });
    t0 = performance.now();
    took.sbRestart = await followed(st3.lport, 'hv3', '192.0.2.31', t0);

    // 4. a remote chassis gets a 4th VTEP and a pod moves onto it: pending until ovn-ic syncs the Encap, then steered.
    const m3 = lab.pods['l2-mgmt-3']!;
    t0 = performance.now();
    await lab.vsctl('hv3', ['set', 'Open_vSwitch', '.', 'external_ids:ovn-encap-ip=192.0.2.31,192.0.2.32,192.0.2.33,192.0.2.34',
      '--', 'set', 'Interface', m3.representor, 'external_ids:encap-ip=192.0.2.34']);
    took.newVtep = await followed(m3.lport, 'hv3', '192.0.2.34', t0);

    // 5. another writer points a remote port at another VTEP of its node: steering's writes are not echoed back to it,
    //    so it is put back at the next resync (every 60 s by default; here asked for).
    const hv1 = await readZone('hv1');
    const other = [...hv1.encaps.values()].find((e) => e.chassisName === s2.chassis && e.ip !== '192.0.2.21' && e.type === 'geneve')!;
    await lab.zoneSbctl('hv1', ['set', 'Port_Binding', s2.lport, `encap=${other.uuid}`]);
    assert.equal(await remoteEncapIp('hv1', s2.lport), other.ip);
    t0 = performance.now();
    await c.resync();
    await followedIn(['hv1'], s2.lport, '192.0.2.21');
    took.driftResync = performance.now() - t0;

    console.log(`# followed within (ms): ${JSON.stringify(Object.fromEntries(Object.entries(took).map(([k, v]) => [k, Math.round(v)])))}`);
    for (const [what, ms] of Object.entries(took)) assert.ok(ms < 2000, `${what}: followed in ${Math.round(ms)} ms (limit 2000)`);
    await c.converged(10_000);
    await assertNothingStale();
  } finally {
    c.close();
  }
});

test('ic features: northd of this release ignores requested-encap-ip, found by a probe that leaves every zone NB and SB as before', async () => {
  const switches = async () => new Map(await Promise.all(zones.zones.map(async (z) => [z.name, (await lab.zoneNbctl(z.name, ['--format=csv', '--data=bare', '--no-headings', '--columns=name', 'list', 'Logical_Switch'])).trim().split('\n').sort().join(',')] as const)));
  const nbBefore = await nbDump();
  const sbBefore = await sbDump();
  const lsBefore = await switches();
  const file = (await lab.status()).zonesFile!;
  const r = await runCli(['ic', 'features', '--zones', file, '--json']);
  assert.equal(r.code, 0, r.err);
  const found = JSON.parse(r.out) as { zone: string; requestedEncapIp: string; detail: string }[];
  assert.deepEqual(found.map((f) => [f.zone, f.requestedEncapIp]), zones.zones.map((z) => [z.name, 'ignored']), JSON.stringify(found));
  assert.match(found[0]!.detail, /left Port_Binding\.encap empty/);
  assert.deepEqual(await switches(), lsBefore, 'the probe switch is gone');
  assert.deepEqual(await nbDump(), nbBefore);
  // northd removes the probe's Port_Binding with its switch: wait for that, then every SB is as before.
  await pollUntil(async () => (JSON.stringify([...await sbDump()]) === JSON.stringify([...sbBefore]) ? ready(true) : notYet('probe Port_Binding still in an SB')), 10_000, { onTimeout: (why) => new Error(why) });
});
