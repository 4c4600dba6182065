/**
 * What the demo builds, derived from the seed scenario: the lab scenario
 * without the administrator's and the agent's parts (no ovn-encap-ip, no PF
 * mapping, no pods: the underlay, the agent and the demo add those), the pods
 * to plug later (without encap-ip), and one node spec per chassis.
 */
import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { parseScenario, type AddPodInput, type Scenario } from '../lab/index.ts';
import type { NodeSpec } from '../config/nodeSpec.ts';
import { nodeSpecFromChassis } from '../node/underlay/index.ts';
import type { NicInput } from '../web/inputs.ts';
import { MvtepError, errorMessage } from '../util/errors.ts';

export class DemoError extends MvtepError {}

export const MIN_NODES = 2;
export const MAX_NODES = 9;
/** Underlay networks reached via the fabric gateway (the "other racks"); documentation range. */
export const DEMO_SUPERNETS = ['198.51.100.0/24'];
export const DEMO_OVERLAY_MTU = 1400;

export interface DemoPlan {
  readonly scenario: Scenario;
  /** Pods to add after the agents run; none carries encap-ip. */
  readonly pods: readonly AddPodInput[];
  /** The underlay of each chassis (validated node specs). */
  readonly specs: ReadonlyMap<string, NodeSpec>;
  /** NICs with class and VTEP device per chassis, for the dashboard. */
  readonly nics: ReadonlyMap<string, readonly NicInput[]>;
  /** The VTEP each pod's traffic must leave from: pod -> VTEP IP. */
  readonly expectedVtep: ReadonlyMap<string, string>;
}

type Raw = Record<string, unknown>;

function isRaw(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rawList(v: unknown): Raw[] {
  return Array.isArray(v) ? v.filter(isRaw) : [];
}

/** a.b.c.d + n, staying a valid IPv4 address or failing loudly. */
function addToIpv4(ip: string, n: number, what: string): string {
  const parts = ip.split('.').map(Number);
  const last = (parts[3] ?? 0) + n;
  if (parts.length !== 4 || last > 254) throw new DemoError('demo-too-many-nodes', `cannot derive ${what} from ${ip} + ${n}`, ip);
  return `${parts[0]}.${parts[1]}.${parts[2]}.${last}`;
}

/** Chassis k (1-based) beyond the seed's own: a copy of the first chassis with VTEPs 192.0.2.<10k + j>. */
function extraChassis(template: Raw, k: number): Raw {
  const nics = rawList(template['nics']).map((n, j) => ({ ...n, vtep: `192.0.2.${10 * k + j + 1}` }));
  return { ...template, name: `hv${k}`, nics };
}

/** Pods of chassis k, copied from the first chassis' pods with IPs shifted by k-1. */
function extraPods(templatePods: readonly Raw[], first: string, k: number): Raw[] {
  return templatePods.filter((p) => p['chassis'] === first).map((p) => ({
    ...p,
    name: String(p['name']).replace(/-\d+$/, '') + `-${k}`,
    chassis: `hv${k}`,
    ip: addToIpv4(String(p['ip']), k - 1, `pod ${String(p['name'])}'s IP on hv${k}`),
  }));
}

/** The node spec of a lab chassis: its PFs, their VTEP IPs from the scenario, classes from the NICs' purpose. */
export function demoNodeSpec(chassis: string, nics: readonly { pf: string; vtep?: string; purpose?: string }[], gateway: string, prefixLen: number,
  vlan?: number): NodeSpec {
  const missing = nics.find((n) => !n.vtep);
  if (missing) throw new DemoError('demo-nic-no-vtep', `chassis ${chassis}: NIC ${missing.pf} has no vtep IP in the scenario`, missing.pf);
  return nodeSpecFromChassis({
    chassis,
    pfs: nics.map((n) => n.pf),
    vtepIps: nics.map((n) => `${n.vtep}/${prefixLen}`),
    gateway,
    supernets: DEMO_SUPERNETS,
    encapType: 'geneve',
    overlayMtu: DEMO_OVERLAY_MTU,
    // Netdev PF bridges: their VTEP internal ports become kernel netdevs in the chassis netns.
    datapathType: 'netdev',
    classes: nics.map((n) => n.purpose),
    ...(vlan !== undefined ? { vlan } : {}),
  });
}

export type DemoDatapath = 'dummy' | 'netdev';
export const DEMO_DATAPATHS: readonly DemoDatapath[] = ['dummy', 'netdev'];

/** The `datapath:` a seed states itself, or undefined when it leaves it to the default (the demo then picks one). */
export function seedDatapath(seedText: string): DemoDatapath | undefined {
  let raw: unknown;
  try {
    raw = parse(seedText);
  } catch {
    return undefined; // planDemo reports the YAML error against the file
  }
  const d = isRaw(raw) ? raw['datapath'] : undefined;
  return DEMO_DATAPATHS.find((x) => x === d);
}

/**
 * Builds the demo from the seed scenario text, for `nodes` chassis. With
 * `datapath`, the lab runs that datapath whatever the seed says (a seed
 * moved to another datapath gets its name suffixed, e.g. `seed-netdev`).
 */
export function planDemoFromText(seedText: string, file: string, nodes: number, datapath?: DemoDatapath): DemoPlan {
  if (!Number.isInteger(nodes) || nodes < MIN_NODES || nodes > MAX_NODES) {
    throw new DemoError('demo-nodes', `--nodes must be an integer from ${MIN_NODES} to ${MAX_NODES}, got ${nodes}`, nodes);
  }
  let raw: unknown;
  try {
    raw = parse(seedText);
  } catch (err) {
    throw new DemoError('demo-seed', `${file}: not YAML: ${errorMessage(err)}`, file);
  }
  // Validate the seed as it is first, so its own mistakes are reported against the file.
  parseScenario(seedText, file);
  if (!isRaw(raw)) throw new DemoError('demo-seed', `${file}: expected a mapping`, file);
  const seedChassis = rawList(raw['chassis']);
  const seedPods = rawList(raw['pods']);
  const first = seedChassis[0];
  if (!first) throw new DemoError('demo-seed', `${file}: no chassis`, file);
  const chassis: Raw[] = [];
  const pods: Raw[] = [];
  for (let k = 1; k <= nodes; k++) {
    const c = seedChassis[k - 1] ?? extraChassis(first, k);
    chassis.push(c);
    pods.push(...(k <= seedChassis.length ? seedPods.filter((p) => p['chassis'] === c['name']) : extraPods(seedPods, String(first['name']), k)));
  }
  // The administrator's and agent's parts are left out on purpose: the demo's underlay and agents write them.
  const labChassis = chassis.map((c) => {
    const { encapIps: _e, encapIpDefault: _d, writePfMapping: _w, ...rest } = c;
    return rest;
  });
  const podsNoEncap = pods.map((p) => {
    const { encapIp: _x, ...rest } = p;
    return rest;
  });
  const moved = datapath !== undefined && datapath !== (seedDatapath(seedText) ?? 'dummy');
  const base = `${String(raw['name'])}${moved ? `-${datapath}` : ''}`;
  const name = nodes === seedChassis.length ? base : `${base}${nodes}`;
  const top = { ...raw, name, ...(datapath !== undefined ? { datapath } : {}) };
  const scenarioText = stringify({ ...top, chassis: labChassis, pods: [] });
  const label = `${file} (demo, ${nodes} nodes)`;
  const scenario = parseScenario(scenarioText, label);
  // Validate the pods against the scenario too: addPod would reject them later, after minutes of setup.
  parseScenario(stringify({ ...top, chassis: labChassis, pods: podsNoEncap }), label);
  const gw = scenario.fabric.gateway;
  const specs = new Map<string, NodeSpec>();
  const nics = new Map<string, NicInput[]>();
  for (const c of scenario.chassis) {
    // On a netdev lab real frames cross the fabric: the VTEP ports carry the seed's tag (`tag: 25`).
    const spec = demoNodeSpec(c.name, c.nics, gw.address, gw.prefixLen, scenario.datapath === 'netdev' ? scenario.fabric.vlan : undefined);
    specs.set(c.name, spec);
    nics.set(c.name, spec.nics.map((n) => ({
      pf: n.pf, bridge: n.bridge, vtep: n.vtep, ip: `${n.ip.address}/${n.ip.prefixLength}`, class: n.class ?? null, vlan: n.vlan ?? null,
    })));
  }
  const expectedVtep = new Map<string, string>();
  const podInputs: AddPodInput[] = podsNoEncap.map((p) => {
    const pod: AddPodInput = {
      name: String(p['name']), chassis: String(p['chassis']), pf: String(p['pf']), vf: Number(p['vf']),
      switch: String(p['switch']), ip: String(p['ip']),
      ...(p['mac'] !== undefined ? { mac: String(p['mac']) } : {}),
      ...(p['lport'] !== undefined ? { lport: String(p['lport']) } : {}),
    };
    const vtep = scenario.chassis.find((c) => c.name === pod.chassis)?.nics.find((n) => n.pf === pod.pf)?.vtep;
    if (vtep) expectedVtep.set(pod.lport ?? pod.name, vtep);
    return pod;
  });
  return { scenario, pods: podInputs, specs, nics, expectedVtep };
}

/** seedDatapath of a seed file; undefined also when it cannot be read (planDemo then says why). */
export async function seedFileDatapath(seedFile: string): Promise<DemoDatapath | undefined> {
  const text = await readFile(seedFile, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : seedDatapath(text);
}

export async function planDemo(seedFile: string, nodes: number, datapath?: DemoDatapath): Promise<DemoPlan> {
  let text: string;
  try {
    text = await readFile(seedFile, 'utf8');
  } catch (err) {
    throw new DemoError('demo-seed', `cannot read ${seedFile}: ${errorMessage(err)}`, seedFile);
  }
  return planDemoFromText(text, seedFile, nodes, datapath);
}
