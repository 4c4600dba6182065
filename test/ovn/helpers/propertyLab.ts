// One running lab (5 chassis, 2 pods each) reconfigured per topology, and
// the comparison of what the real OVN did with what the model predicts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario, startLab, type Lab } from '../../../src/lab/index.ts';
import { requireRuntime } from '../../../src/lab/runtime.ts';
import { OvsdbClient } from '../../../src/ovsdb/index.ts';
import {
  modelTopology, ovnFeatures, parseOvnVersion, type ChassisConfig, type TopologyModel,
} from '../../../src/ovn/index.ts';
import type { Topology } from './random.ts';

export const CHASSIS = ['c1', 'c2', 'c3', 'c4', 'c5'];
export const PODS = CHASSIS.flatMap((c, i) => [
  { name: `p${i + 1}a`, chassis: c, pf: 'enp1s0f0', vf: 0, ip: `203.0.113.${10 + i * 2}` },
  { name: `p${i + 1}b`, chassis: c, pf: 'enp2s0f0', vf: 1, ip: `203.0.113.${11 + i * 2}` },
]);

function scenarioYaml(): string {
  const chassis = CHASSIS.map((c, i) => `  - name: ${c}
    encapIps: [198.51.100.${i + 1}]
    nics:
      - { pf: enp1s0f0, totalVfs: 4, numVfs: 2 }
      - { pf: enp2s0f0, totalVfs: 4, numVfs: 2 }`).join('\n');
  const pods = PODS.map((p) => `  - { name: ${p.name}, chassis: ${p.chassis}, pf: ${p.pf}, vf: ${p.vf}, switch: ls-p, ip: ${p.ip} }`).join('\n');
  return `name: prop\nencapType: geneve\nswitches:\n  - name: ls-p\n    subnet: 203.0.113.0/26\nchassis:\n${chassis}\npods:\n${pods}\n`;
}

export interface PropertyLab {
  readonly lab: Lab;
  readonly features: ReturnType<typeof ovnFeatures>;
  readonly clients: ReadonlyMap<string, OvsdbClient>;
  /** The lab's unique work root (every daemon's command line mentions it). */
  readonly root: string;
  close(): Promise<void>;
}

export async function startPropertyLab(log?: (l: string) => void): Promise<PropertyLab> {
  const runtime = await requireRuntime();
  const root = await mkdtemp(join(tmpdir(), 'mvp-'));
  let lab: Lab | undefined;
  const clients = new Map<string, OvsdbClient>();
  try {
    lab = await startLab(parseScenario(scenarioYaml(), 'property.yaml'), { runtime, workRoot: root, handleSignals: false, readyTimeoutMs: 180_000, ...(log ? { log } : {}) });
    for (const c of CHASSIS) clients.set(c, await OvsdbClient.connect(lab.chassis[c]!.ovsdbRemote));
  } catch (err) {
    for (const cl of clients.values()) cl.close();
    await lab?.down().catch(() => {});
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  const l = lab;
  return {
    lab: l,
    features: ovnFeatures(parseOvnVersion(runtime.manifest.ovnVersion)),
    clients,
    root,
    async close() {
      for (const cl of clients.values()) cl.close();
      await l.down();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Each active chassis shares tz "mesh"; parked ones sit alone so nobody tunnels to them. */
function zonesOf(topo: Topology, name: string): string {
  return topo.chassis.find((c) => c.name === name)!.active ? 'mesh' : `park-${name}`;
}

export function modelOf(topo: Topology, features: ReturnType<typeof ovnFeatures>): TopologyModel {
  const chassis: ChassisConfig[] = topo.chassis.map((c) => ({
    name: c.name, encapIp: c.encapIpRaw, encapType: c.encapType, encapIpDefault: c.default, transportZones: [zonesOf(topo, c.name)],
  }));
  return modelTopology({
    features, chassis,
    vifs: topo.vifs.map((v) => ({ lport: v.pod, chassis: v.chassis, encapIp: v.encapIp })),
  });
}

/** Writes the topology: one transaction per chassis, single-key map mutations only. */
export async function applyTopology(pl: PropertyLab, topo: Topology): Promise<void> {
  await Promise.all(topo.chassis.map(async (c) => {
    const tx = pl.clients.get(c.name)!.transaction('Open_vSwitch');
    tx.setMapKeys('Open_vSwitch', [], 'external_ids', {
      'ovn-encap-ip': c.encapIpRaw, 'ovn-encap-type': c.encapType, 'ovn-transport-zones': zonesOf(topo, c.name),
    });
    if (c.default !== undefined) tx.setMapKeys('Open_vSwitch', [], 'external_ids', { 'ovn-encap-ip-default': c.default });
    else tx.deleteMapKeys('Open_vSwitch', [], 'external_ids', ['ovn-encap-ip-default']);
    for (const v of topo.vifs.filter((x) => x.chassis === c.name)) {
      const rep = pl.lab.pods[v.pod]!.representor;
      if (v.encapIp !== undefined) tx.setMapKeys('Interface', [['name', '==', rep]], 'external_ids', { 'encap-ip': v.encapIp });
      else tx.deleteMapKeys('Interface', [['name', '==', rep]], 'external_ids', ['encap-ip']);
    }
    tx.comment(`mvtep property test: topology ${topo.seed}`);
    await tx.commit();
  }));
}

