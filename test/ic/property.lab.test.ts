// The interconnect model against the real OVN: one IC lab (examples/seed-ic.yaml,
// 3 zones, real ovn-ic, 3 VTEPs per node), reconfigured per seeded random
// state: each L2 pod's encap-ip (one of its node's VTEPs, or none), and in
// every zone each remote pod port pinned to a random VTEP of its node or left
// unpinned. For each state and every cross-zone L2 pair, ofproto/trace on the
// source chassis must leave on a tunnel in the model's candidate set
// (modelZone(...).egress: exactly that tunnel where the model says
// "determined"), and each pod's home Port_Binding.encap must be the model's.
//
// MVTEP_IC_PROPERTY_COUNT=N changes the number of states (default 12).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lab, PodHandle } from '../../src/lab/index.ts';
import type { ZonesFile } from '../../src/config/index.ts';
import { IC_ZONE_SB_COLUMNS, icZoneFromRows, readRows, type IcZoneSouthbound } from '../../src/observe/index.ts';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import type { OvnSouthboundTables } from '../../src/schema/index.ts';
import { modelZone, ovnFeatures, parseOvnVersion, type ZoneModel } from '../../src/ovn/index.ts';
import { writeRemoteEncaps, type EncapWrite } from '../../src/ic/index.ts';
import { notYet, pollUntil, ready } from '../../src/util/wait.ts';
import { Rng } from '../ovn/helpers/random.ts';
import { startIcLab, type IcLab } from './helpers/icLab.ts';

const COUNT = Number(process.env['MVTEP_IC_PROPERTY_COUNT'] ?? 12);
let lab: Lab;
let zones: ZonesFile;
let features: ReturnType<typeof ovnFeatures>;

let ic: IcLab | undefined;

before(async () => {
  ic = await startIcLab('mvtep-icprop-');
  ({ lab, zones } = ic);
  features = ovnFeatures(parseOvnVersion(ic.runtime.manifest.ovnVersion));
});

after(async () => {
  await ic?.close();
});

const l2Pods = (): PodHandle[] => Object.values(lab.pods).filter((p) => p.switch === 'ls-l2');
const vtepsOf = (chassis: string): string[] => [...(lab.scenario!.chassis.find((c) => c.name === chassis)!.encapIps ?? [])];
const zoneOfChassis = (chassis: string) => zones.zones.find((z) => z.chassis.some((c) => c.name === chassis))!;

async function readZone(name: string): Promise<IcZoneSouthbound> {
  const spec = zones.zones.find((z) => z.name === name)!;
  return icZoneFromRows(await readRows<OvnSouthboundTables>(spec.sb, 'OVN_Southbound', IC_ZONE_SB_COLUMNS, { timeoutMs: 10_000 }));
}

/** The model of zone `name` from the configuration applied (not from what OVN made of it) and the remote chassis OVN synced. */
function modelOf(name: string, sb: IcZoneSouthbound, encapIp: ReadonlyMap<string, string | undefined>, pins: ReadonlyMap<string, string | undefined>): ZoneModel {
  const self = zones.zones.find((z) => z.name === name)!.chassis[0]!.name;
  const remoteChassis = [...sb.chassis.values()].filter((c) => c.remote).map((c) => ({
    name: c.name,
    encaps: c.encaps.map((u) => sb.encaps.get(u)!).map((e) => ({ chassisName: e.chassisName, ip: e.ip, type: e.type, isDefault: false, csum: 'true' })),
  }));
  return modelZone({
    name, features,
    localChassis: [{ name: self, encapIp: vtepsOf(self).join(','), encapType: 'geneve', interconn: true }],
    remoteChassis,
    vifs: l2Pods().filter((p) => p.chassis === self).map((p) => ({ lport: p.lport, chassis: p.chassis, encapIp: encapIp.get(p.name) })),
    remotePorts: l2Pods().filter((p) => p.chassis !== self).map((p) => ({ lport: p.lport, chassis: p.chassis, encapIp: pins.get(`${name}/${p.lport}`) })),
  });
}

test(`${COUNT} random interconnect states: home bindings and cross-zone ofproto/trace agree with the model`, { timeout: 600_000 }, async (t) => {
  const stats = { states: 0, pairs: 0, determined: 0, arbitrary: 0, pinned: 0, unpinned: 0, noEncapIp: 0 };
  for (let seed = 1; seed <= COUNT; seed++) {
    const rng = new Rng(seed * 7919);
    // 1. Each pod's VIF encap-ip: one of its node's VTEPs, sometimes none.
    const encapIp = new Map<string, string | undefined>();
    for (const p of l2Pods()) {
      const ip = rng.chance(0.2) ? undefined : rng.pick(vtepsOf(p.chassis));
      encapIp.set(p.name, ip);
      if (ip === undefined) stats.noEncapIp++;
      await lab.vsctl(p.chassis, ip === undefined ? ['remove', 'Interface', p.representor, 'external_ids', 'encap-ip']
        : ['set', 'Interface', p.representor, `external_ids:encap-ip=${ip}`]);
    }
    // 2. In every zone, each remote pod port pinned to a random VTEP of its node, or unpinned.
    const pins = new Map<string, string | undefined>();
    for (const z of zones.zones) {
      const sb = await readZone(z.name);
      const writes: EncapWrite[] = [];
      for (const pb of sb.portBindings) {
        const pod = l2Pods().find((p) => p.lport === pb.logicalPort);
        if (pb.type !== 'remote' || !pod) continue;
        const ip = rng.chance(0.5) ? rng.pick(vtepsOf(pod.chassis)) : undefined;
        const row = ip === undefined ? undefined : [...sb.encaps.values()].find((e) => e.chassisName === pod.chassis && e.ip === ip && e.type === 'geneve');
        pins.set(`${z.name}/${pb.logicalPort}`, ip);
        if (ip === undefined) stats.unpinned++;
        else stats.pinned++;
        writes.push({ lport: pb.logicalPort, row: pb.uuid, encap: row?.uuid, ip, was: undefined });
      }
      const c = await OvsdbClient.connect(z.sb, { reconnect: false });
      try {
        await writeRemoteEncaps(c, writes, { timeoutMs: 10_000 });
      } finally {
        c.close();
      }
    }
    // 3. Wait until every home binding is the model's, then until every chassis' flows follow its SB.
    const models = new Map<string, ZoneModel>();
    await pollUntil(async () => {
      for (const z of zones.zones) {
        const sb = await readZone(z.name);
        const m = modelOf(z.name, sb, encapIp, pins);
        for (const p of l2Pods().filter((q) => zoneOfChassis(q.chassis).name === z.name)) {
          const pb = sb.portBindings.find((b) => b.logicalPort === p.lport && b.type === '');
          const got = pb?.encap === undefined ? undefined : sb.encaps.get(pb.encap)?.ip;
          const want = m.bindings.get(p.lport)?.encap?.ip;
          if (got !== want) return notYet(`seed ${seed}: ${p.lport} in ${z.name}: Port_Binding.encap ${got ?? 'none'}, model ${want ?? 'none'}`);
        }
        models.set(z.name, m);
      }
      return ready(true);
    }, 20_000, { onTimeout: (why) => new Error(why), maxIntervalMs: 100 });
    for (const z of zones.zones) await lab.zoneNbctl(z.name, ['--timeout=30', '--wait=hv', 'sync']);
    // 4. Every cross-zone pair: the real tunnel is one the model allows.
    for (const a of l2Pods()) for (const b of l2Pods()) {
      if (a.chassis === b.chassis) continue;
      const pred = models.get(zoneOfChassis(a.chassis).name)!.egress(a.lport, b.lport);
      const e = await lab.traceEgress(a.name, b.name);
      const where = `seed ${seed}: ${a.name} -> ${b.name}`;
      assert.equal(e.kind, 'tunnel', where);
      if (e.kind !== 'tunnel') continue;
      const got = { localIp: e.localIp ?? '', remoteIp: e.remoteIp };
      assert.ok(pred.candidates.some((c) => c.localIp === got.localIp && c.remoteIp === got.remoteIp),
        `${where}: ${got.localIp} -> ${got.remoteIp} not among the model's ${JSON.stringify(pred.candidates)} (${pred.reason})`);
      if (pred.determined) assert.equal(pred.candidates.length, 1, where);
      stats.pairs++;
      if (pred.determined) stats.determined++;
      else stats.arbitrary++;
    }
    stats.states++;
  }
  t.diagnostic(`ic property: ${JSON.stringify(stats)}`);
  assert.ok(stats.determined > 0 && stats.arbitrary > 0, 'both determined and arbitrary cross-zone pairs were exercised');
});
