import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errorMessage } from '../util/errors.ts';
import { vfPci } from '../sriov/fixture.ts';
import { cidrContains, parseCidr, pciFromNetdevName, PCI_ADDRESS, type Cidr } from './netaddr.ts';
import { ScenarioError, ScenarioReader } from './scenarioReader.ts';
import { LAB_SCENARIO_SCHEMA } from '../config/schemas.ts';

export { ScenarioError } from './scenarioReader.ts';

export type EncapType = 'geneve' | 'vxlan';
/**
 * br-int's datapath in the lab. `dummy` (default): no packet moves, paths are
 * confirmed by ofproto/trace. `netdev`: OVS's userspace datapath, each pod a
 * netns behind a veth, geneve carrying real packets (needs OVS >= 3.7).
 */
export type LabDatapath = 'dummy' | 'netdev';

export interface FabricSpec {
  /** Gateway address and prefix on the fabric bridge, e.g. 192.0.2.254/24. */
  readonly gateway: Cidr;
  /** VLAN the fabric carries tagged (bridge becomes VLAN-aware); untagged when absent. */
  readonly vlan?: number;
}

export interface ScenarioNic {
  /** PF uplink netdev name (also the veth end in the chassis netns). */
  readonly pf: string;
  readonly pci: string;
  readonly purpose?: string;
  /** The VTEP IP that belongs to this PF (input for the underlay and the PF mapping). */
  readonly vtep?: string;
  readonly totalVfs: number;
  readonly numVfs: number;
}

export interface ChassisSpec {
  readonly name: string;
  /** Written as ovn-encap-ip when given; otherwise someone else (underlay) writes it later. */
  readonly encapIps?: readonly string[];
  readonly encapIpDefault?: string;
  /** Write ovn-pf-encap-ip-mapping from nics[].vtep (for tests that skip the underlay/agent). */
  readonly writePfMapping: boolean;
  readonly nics: readonly ScenarioNic[];
}

export interface SwitchSpec {
  readonly name: string;
  readonly subnet?: Cidr;
  /**
   * Interconnect labs only: the chassis whose zone owns this switch (an L3
   * node switch behind that node's router). Absent: the switch is stretched
   * over every zone (L2), each pod remote in the zones it does not live in.
   */
  readonly node?: string;
}

/** Interconnect (one OVN zone per chassis) settings; see docs/interconnect.md. */
export interface InterconnectSpec {
  /** Addresses of the router ports on the transit switch (L3 topology). */
  readonly transitSubnet: Cidr;
}

export interface PodSpec {
  readonly name: string;
  readonly chassis: string;
  readonly pf: string;
  readonly vf: number;
  readonly switch: string;
  readonly ip: string;
  readonly mac: string;
  /** Written as the representor Interface's external_ids:encap-ip only when given. */
  readonly encapIp?: string;
  /** Logical switch port name (defaults to the pod name). */
  readonly lport: string;
}

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly encapType: EncapType;
  readonly datapath: LabDatapath;
  readonly fabric: FabricSpec;
  readonly switches: readonly SwitchSpec[];
  readonly chassis: readonly ChassisSpec[];
  readonly pods: readonly PodSpec[];
  /** Present: one OVN zone per chassis joined by ovn-ic (docs/interconnect.md). */
  readonly interconnect?: InterconnectSpec;
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const NAME_WHAT = 'a name (lowercase letters, digits, dashes; starts with a letter; <= 31 chars)';
// Kernel netdev names: <= 15 bytes; the lab also derives representor names `<pf>_<vf>`.
const NETDEV = /^[a-zA-Z][a-zA-Z0-9_.-]{0,11}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Deterministic locally administered MAC for a pod: 0a:<chassis>:<nic>:<vf hi>:<vf lo>:01. */
export function podMac(chassisIndex: number, nicIndex: number, vf: number): string {
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `0a:58:${h(chassisIndex + 1)}:${h(nicIndex + 1)}:${h(vf >> 8)}:${h(vf & 0xff)}`;
}

function parseNic(r: ScenarioReader, v: unknown, path: (string | number)[]): ScenarioNic {
  const o = r.object(v, path, ['pf', 'pci', 'purpose', 'vtep', 'totalVfs', 'numVfs']);
  const pf = r.string(o['pf'], [...path, 'pf'], NETDEV, 'a netdev name of at most 12 characters');
  const pci = r.optString(o['pci'], [...path, 'pci'], PCI_ADDRESS, 'a PCI address like 0000:01:00.0') ?? pciFromNetdevName(pf);
  if (!pci) r.fail([...path, 'pci'], `required: cannot derive a PCI address from '${pf}' (not en<bus>s<slot>f<fn>)`);
  if (!pci.endsWith('.0') && !pci.endsWith('.1')) r.fail([...path, 'pci'], `'${pci}': a PF must be function 0 or 1 (VFs follow it)`, pci);
  const totalVfs = o['totalVfs'] === undefined ? 8 : r.int(o['totalVfs'], [...path, 'totalVfs'], 1, 64);
  const numVfs = o['numVfs'] === undefined ? Math.min(4, totalVfs) : r.int(o['numVfs'], [...path, 'numVfs'], 0, totalVfs);
  const purpose = r.optString(o['purpose'], [...path, 'purpose']);
  const vtep = o['vtep'] === undefined ? undefined : r.docIp(o['vtep'], [...path, 'vtep']);
  return { pf, pci, totalVfs, numVfs, ...(purpose ? { purpose } : {}), ...(vtep ? { vtep } : {}) };
}

function parseChassis(r: ScenarioReader, v: unknown, path: (string | number)[]): ChassisSpec {
  const o = r.object(v, path, ['name', 'encapIps', 'encapIpDefault', 'writePfMapping', 'nics']);
  const name = r.string(o['name'], [...path, 'name'], NAME, NAME_WHAT);
  const nics = r.list(o['nics'] ?? [], [...path, 'nics']).map((n, i) => parseNic(r, n, [...path, 'nics', i]));
  const seenPf = new Set<string>();
  const seenPci = new Set<string>();
  nics.forEach((n, i) => {
    if (seenPf.has(n.pf)) r.fail([...path, 'nics', i, 'pf'], `duplicate PF '${n.pf}' on chassis ${name}`, n.pf);
    seenPf.add(n.pf);
    for (const [k, pci] of [n.pci, ...Array.from({ length: n.numVfs }, (_, k) => vfPci(n.pci, k, n.totalVfs))].entries()) {
      const what = k === 0 ? `PF '${n.pf}'` : `VF ${k - 1} of '${n.pf}' (${pci})`;
      if (seenPci.has(pci)) r.fail([...path, 'nics', i, 'pci'], `${what} collides with another function's PCI address`, n.pci);
      seenPci.add(pci);
    }
  });
  let encapIps: string[] | undefined;
  if (o['encapIps'] !== undefined) {
    encapIps = r.list(o['encapIps'], [...path, 'encapIps']).map((ip, i) => r.docIp(ip, [...path, 'encapIps', i]));
    if (encapIps.length === 0) r.fail([...path, 'encapIps'], 'must list at least one IP (omit the key to leave ovn-encap-ip to the underlay)');
    const dup = encapIps.find((ip, i) => encapIps!.indexOf(ip) !== i);
    if (dup) r.fail([...path, 'encapIps'], `duplicate IP '${dup}'`, dup);
  }
  const encapIpDefault = o['encapIpDefault'] === undefined ? undefined : r.docIp(o['encapIpDefault'], [...path, 'encapIpDefault']);
  if (encapIpDefault && encapIps && !encapIps.includes(encapIpDefault)) {
    r.fail([...path, 'encapIpDefault'], `'${encapIpDefault}' is not one of encapIps (${encapIps.join(', ')})`, encapIpDefault);
  }
  const writePfMapping = r.bool(o['writePfMapping'], [...path, 'writePfMapping'], false);
  if (writePfMapping) {
    nics.forEach((n, i) => {
      if (!n.vtep) r.fail([...path, 'nics', i, 'vtep'], 'required when writePfMapping is true');
    });
  }
  return { name, nics, writePfMapping, ...(encapIps ? { encapIps } : {}), ...(encapIpDefault ? { encapIpDefault } : {}) };
}

function parseSubnet(r: ScenarioReader, v: unknown, path: (string | number)[]): Cidr | undefined {
  const text = r.optString(v, path);
  if (text === undefined) return undefined;
  const subnet = parseCidr(text);
  if (!subnet) r.fail(path, `'${text}' is not a CIDR like 203.0.113.0/26`, text);
  r.docIp(subnet.address, path);
  return subnet;
}

function parseSwitch(r: ScenarioReader, v: unknown, path: (string | number)[]): SwitchSpec {
  const o = r.object(v, path, ['name', 'subnet', 'node']);
  const name = r.string(o['name'], [...path, 'name'], NAME, NAME_WHAT);
  const subnet = parseSubnet(r, o['subnet'], [...path, 'subnet']);
  const node = r.optString(o['node'], [...path, 'node'], NAME, NAME_WHAT);
  return { name, ...(subnet ? { subnet } : {}), ...(node ? { node } : {}) };
}

function parseInterconnect(r: ScenarioReader, v: unknown): InterconnectSpec | undefined {
  if (v === undefined || v === false) return undefined;
  const o = v === true ? {} : r.object(v, ['interconnect'], ['transitSubnet']);
  const transitSubnet = parseSubnet(r, o['transitSubnet'], ['interconnect', 'transitSubnet']) ?? parseCidr('198.51.100.0/24')!;
  return { transitSubnet };
}

/** Interconnect rules: node switches name a chassis, have a subnet, and hold only that chassis' pods. */
function checkInterconnect(r: ScenarioReader, ic: InterconnectSpec | undefined, switches: readonly SwitchSpec[],
  chassis: readonly ChassisSpec[], pods: readonly PodSpec[]): void {
  switches.forEach((s, i) => {
    if (!s.node) return;
    if (!ic) r.fail(['switches', i, 'node'], 'only meaningful with interconnect: true (one zone per chassis)', s.node);
    if (!chassis.some((c) => c.name === s.node)) r.fail(['switches', i, 'node'], `no chassis named '${s.node}'`, s.node);
    if (!s.subnet) r.fail(['switches', i, 'subnet'], `required for the L3 node switch of ${s.node} (its router port takes the first address)`);
    if (!s.subnet.address.includes('.')) r.fail(['switches', i, 'subnet'], 'L3 node switches are IPv4 only in the lab', s.subnet.address);
  });
  pods.forEach((p, i) => {
    const sw = switches.find((s) => s.name === p.switch)!;
    if (sw.node && sw.node !== p.chassis) {
      r.fail(['pods', i, 'switch'], `${p.switch} is the node switch of ${sw.node}; pod ${p.name} runs on ${p.chassis}`, p.switch);
    }
    if (sw.subnet && sw.node && p.ip === firstHost(sw.subnet)) {
      r.fail(['pods', i, 'ip'], `'${p.ip}' is the router port address of ${p.switch}`, p.ip);
    }
  });
}

/** The first host address of an IPv4 subnet (the node router's port on an L3 switch). */
export function firstHost(subnet: Cidr): string {
  const parts = subnet.address.split('.').map(Number);
  const n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = subnet.prefixLen === 0 ? 0 : (~0 << (32 - subnet.prefixLen)) >>> 0;
  const h = (((n & mask) >>> 0) + 1) >>> 0;
  return [h >>> 24, (h >>> 16) & 255, (h >>> 8) & 255, h & 255].join('.');
}

interface PodContext {
  readonly chassis: readonly ChassisSpec[];
  readonly switches: readonly SwitchSpec[];
}

/** Validates one pod against the chassis/switches it refers to (also used by addPod). */
export function parsePod(r: ScenarioReader, v: unknown, path: (string | number)[], ctx: PodContext): PodSpec {
  const o = r.object(v, path, ['name', 'chassis', 'pf', 'vf', 'switch', 'ip', 'mac', 'encapIp', 'lport']);
  const name = r.string(o['name'], [...path, 'name'], NAME, NAME_WHAT);
  const chassisName = r.string(o['chassis'], [...path, 'chassis']);
  const ci = ctx.chassis.findIndex((c) => c.name === chassisName);
  if (ci < 0) r.fail([...path, 'chassis'], `no chassis named '${chassisName}'`, chassisName);
  const ch = ctx.chassis[ci]!;
  const pf = r.string(o['pf'], [...path, 'pf']);
  const ni = ch.nics.findIndex((n) => n.pf === pf);
  if (ni < 0) r.fail([...path, 'pf'], `chassis ${chassisName} has no NIC '${pf}' (has: ${ch.nics.map((n) => n.pf).join(', ') || 'none'})`, pf);
  const nic = ch.nics[ni]!;
  const vf = r.int(o['vf'], [...path, 'vf'], 0, 63);
  if (vf >= nic.numVfs) r.fail([...path, 'vf'], `${pf} on ${chassisName} has ${nic.numVfs} VFs enabled (numVfs), VF ${vf} does not exist`, vf);
  const sw = r.string(o['switch'], [...path, 'switch']);
  const swSpec = ctx.switches.find((s) => s.name === sw);
  if (!swSpec) r.fail([...path, 'switch'], `no logical switch named '${sw}'`, sw);
  const ip = r.docIp(o['ip'], [...path, 'ip']);
  if (swSpec.subnet && !cidrContains(swSpec.subnet, ip)) {
    r.fail([...path, 'ip'], `'${ip}' is outside switch ${sw}'s subnet ${swSpec.subnet.address}/${swSpec.subnet.prefixLen}`, ip);
  }
  const mac = r.optString(o['mac'], [...path, 'mac'], MAC, 'a lowercase MAC address like 0a:58:01:01:00:00') ?? podMac(ci, ni, vf);
  // encap-ip is written verbatim: a value OVN will ignore is a legitimate test input (spec §2).
  const encapIp = r.optString(o['encapIp'], [...path, 'encapIp'], /^[^,\s]+$/, 'a single address without commas or spaces');
  const lport = r.optString(o['lport'], [...path, 'lport'], NAME, NAME_WHAT) ?? name;
  return { name, chassis: chassisName, pf, vf, switch: sw, ip, mac, lport, ...(encapIp ? { encapIp } : {}) };
}

/** Parses and validates scenario YAML; `file` only labels error messages. */
export function parseScenario(text: string, file = '<scenario>'): Scenario {
  const r: ScenarioReader = new ScenarioReader(text, file);
  // The zod schema (src/config/schemas.ts) sees the whole file; the rules below stop at their first problem.
  const shape = r.shapeIssues(LAB_SCENARIO_SCHEMA);
  let scenario: Scenario;
  try {
    scenario = parseScenarioWith(r, file);
  } catch (err) {
    if (err instanceof ScenarioError && shape.length > 0) throw ScenarioError.withShape(file, err, shape);
    throw err;
  }
  if (shape.length > 0) throw ScenarioError.withShape(file, undefined, shape);
  return scenario;
}

function parseScenarioWith(r: ScenarioReader, file: string): Scenario {
  const o = r.object(r.root(), [], ['name', 'encapType', 'datapath', 'fabric', 'switches', 'chassis', 'pods', 'interconnect']);
  const name = r.string(o['name'], ['name'], NAME, NAME_WHAT);
  const encapType = (r.optString(o['encapType'], ['encapType'], /^(geneve|vxlan)$/, "'geneve' or 'vxlan'") ?? 'geneve') as EncapType;

  const datapath = (r.optString(o['datapath'], ['datapath'], /^(dummy|netdev)$/, "'dummy' or 'netdev'") ?? 'dummy') as LabDatapath;

  const f = r.object(o['fabric'] ?? {}, ['fabric'], ['gateway', 'vlan']);
  const gwText = r.optString(f['gateway'], ['fabric', 'gateway']) ?? '192.0.2.254/24';
  const gateway = parseCidr(gwText);
  if (!gateway) r.fail(['fabric', 'gateway'], `'${gwText}' is not an address with prefix like 192.0.2.254/24`, gwText);
  r.docIp(gateway.address, ['fabric', 'gateway']);
  const vlan = f['vlan'] === undefined ? undefined : r.int(f['vlan'], ['fabric', 'vlan'], 1, 4094);
  const fabric: FabricSpec = { gateway, ...(vlan !== undefined ? { vlan } : {}) };

  const switches = r.list(o['switches'] ?? [], ['switches']).map((s, i) => parseSwitch(r, s, ['switches', i]));
  const dupSw = switches.findIndex((s, i) => switches.findIndex((t) => t.name === s.name) !== i);
  if (dupSw >= 0) r.fail(['switches', dupSw, 'name'], `duplicate switch '${switches[dupSw]!.name}'`);

  const chassis = r.list(o['chassis'], ['chassis']).map((c, i) => parseChassis(r, c, ['chassis', i]));
  if (chassis.length === 0) r.fail(['chassis'], 'needs at least one chassis');
  const dupCh = chassis.findIndex((c, i) => chassis.findIndex((d) => d.name === c.name) !== i);
  if (dupCh >= 0) r.fail(['chassis', dupCh, 'name'], `duplicate chassis '${chassis[dupCh]!.name}'`);
  const owner = new Map<string, string>();
  chassis.forEach((c, i) => c.encapIps?.forEach((ip, k) => {
    const other = owner.get(ip);
    // OVN requires (type, ip) unique across chassis (spec §3).
    if (other) r.fail(['chassis', i, 'encapIps', k], `'${ip}' is already an encap IP of chassis ${other}`, ip);
    owner.set(ip, c.name);
  }));

  const pods = r.list(o['pods'] ?? [], ['pods']).map((p, i) => parsePod(r, p, ['pods', i], { chassis, switches }));
  checkPodUniqueness(r, pods);
  const interconnect = parseInterconnect(r, o['interconnect']);
  checkInterconnect(r, interconnect, switches, chassis, pods);
  if (interconnect && datapath === 'netdev') r.fail(['datapath'], "'netdev' is not supported with interconnect labs yet", datapath);
  return { file, name, encapType, datapath, fabric, switches, chassis, pods, ...(interconnect ? { interconnect } : {}) };
}

function checkPodUniqueness(r: ScenarioReader, pods: readonly PodSpec[]): void {
  const seen = new Map<string, number>();
  pods.forEach((p, i) => {
    for (const [key, what] of [[`n:${p.name}`, 'pod name'], [`l:${p.lport}`, 'logical port'],
      [`v:${p.chassis}/${p.pf}/${p.vf}`, 'VF'], [`m:${p.mac}`, 'MAC'], [`i:${p.switch}/${p.ip}`, 'IP on this switch']] as const) {
      const prev = seen.get(key);
      if (prev !== undefined) r.fail(['pods', i], `${what} already used by pods[${prev}]`, key.slice(2));
      seen.set(key, i);
    }
  });
}

export async function loadScenario(path: string): Promise<Scenario> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(path, '', `cannot read: ${errorMessage(err)}`, path);
  }
  return parseScenario(text, path);
}

/** Validates a pod added at run time against a scenario (same rules as in the file). */
export function parsePodSpec(scenario: Scenario, pod: unknown, label = '<addPod>'): PodSpec {
  const r: ScenarioReader = new ScenarioReader('{}', label, false);
  return parsePod(r, pod, ['pod'], scenario);
}
