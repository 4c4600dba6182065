import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { MvtepError } from '../util/errors.ts';
import { run } from '../util/exec.ts';
import { stopDaemons, type DaemonRecord } from './process.ts';
import type { Scenario } from './scenario.ts';

/**
 * The lab's state file, `<workDir>/state.json`: everything a lab created
 * (daemons with PIDs, network namespaces, directories) plus the handles
 * callers need. It is written before each thing is created, so `lab down`
 * from another process, or after a crash in the middle of `up`, still finds
 * and removes all of it. Removing the work dir removes the state file last.
 */

export const STATE_FILE = 'state.json';
/** Netns names the lab creates: `mvl<id>-...`; teardown refuses to touch any other. */
export const NETNS_PATTERN = /^mvl[0-9a-z]{5}-[a-z0-9]{1,6}$/;

export interface NicHandle {
  readonly pf: string;
  readonly pci: string;
  readonly vtep?: string;
  readonly purpose?: string;
  /** Fabric-side veth end (in the fabric netns), attached to the fabric bridge. */
  readonly fabricPeer: string;
  readonly vfs: readonly { readonly index: number; readonly pci: string; readonly representor: string; readonly netdev: string }[];
}

export interface ChassisHandle {
  readonly name: string;
  readonly index: number;
  readonly runDir: string;
  /** unix:<runDir>/db.sock (Open_vSwitch database). */
  readonly ovsdbRemote: string;
  readonly netns: string;
  readonly sysfsRoot: string;
  readonly vswitchdCtl: string;
  readonly controllerCtl: string;
  readonly ovsdbCtl: string;
  /** The scenario's encap IPs (what the lab wrote as ovn-encap-ip), empty when left to the underlay. */
  readonly encapIps: readonly string[];
  readonly encapIpDefault?: string;
  readonly nics: readonly NicHandle[];
}

export interface PodHandle {
  readonly name: string;
  readonly chassis: string;
  readonly lport: string;
  readonly switch: string;
  readonly mac: string;
  readonly ip: string;
  readonly pf: string;
  readonly vf: number;
  readonly vfPci: string;
  readonly representor: string;
  readonly encapIp?: string;
  /** `datapath: netdev` labs: the pod's own netns (its `eth0` is a veth whose peer is the representor). */
  readonly netns?: string;
}

export interface FabricHandle {
  readonly netns: string;
  readonly bridge: string;
  /** 'linux-bridge' (untagged) or 'ovs' (tagged: OVS does the VLAN work in userspace). */
  readonly kind: 'linux-bridge' | 'ovs';
  /** The fabric switch's OVSDB (kind 'ovs' only). */
  readonly ovsdbRemote?: string;
  /** e.g. 192.0.2.254/24 */
  readonly gateway: string;
  /** Device holding the gateway address in the fabric netns. */
  readonly gatewayDevice: string;
  readonly vlan?: number;
}

/** One OVN zone of an interconnect lab: the zone of one chassis (node), as OVN-Kubernetes runs it. */
export interface ZoneHandle {
  /** NB_Global name = availability zone name in IC-SB (the chassis name). */
  readonly name: string;
  readonly chassis: string;
  readonly dir: string;
  readonly nb: { remote: string; ctl: string };
  readonly sb: { remote: string; ctl: string };
  readonly northdCtl: string;
  readonly icCtl: string;
}

export interface LabState {
  readonly version: 1;
  readonly id: string;
  readonly name: string;
  readonly scenarioFile: string;
  /** The validated scenario itself, so another process can attach (and addPod) without the file. */
  readonly scenario: Scenario;
  readonly workDir: string;
  readonly createdAt: string;
  /** OVN release of the runtime the lab was started with (absent in older state files: 25.03). */
  readonly release?: string;
  /** Set by the CLI: the lab was started to outlive its starting process. */
  detached: boolean;
  phase: 'starting' | 'up' | 'failed' | 'stopping';
  upMs?: number;
  readonly netns: string[];
  readonly daemons: DaemonRecord[];
  nb?: { remote: string; ctl: string };
  sb?: { remote: string; ctl: string };
  northdCtl?: string;
  fabric?: FabricHandle;
  /** Interconnect labs: the shared IC databases and one zone per chassis. */
  icNb?: { remote: string; ctl: string };
  icSb?: { remote: string; ctl: string };
  zones?: ZoneHandle[];
  /** Interconnect labs: the zones file (docs/interconnect.md) written at start. */
  zonesFile?: string;
  readonly chassis: ChassisHandle[];
  readonly pods: PodHandle[];
}

export class LabStateError extends MvtepError {}

export function defaultLabRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['MVTEP_LAB_DIR'] ?? join(tmpdir(), 'mvtep-lab'));
}

export async function writeState(state: LabState): Promise<void> {
  const file = join(state.workDir, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await rename(tmp, file);
}

export async function readState(workDir: string): Promise<LabState | undefined> {
  let text: string;
  try {
    text = await readFile(join(workDir, STATE_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || (parsed as { version?: unknown }).version !== 1) {
    throw new LabStateError('lab-state-invalid', `${join(workDir, STATE_FILE)} is not a mvtep lab state file`, workDir);
  }
  return parsed as LabState;
}

/** Every lab with a state file directly under `root`. */
export async function listStates(root: string): Promise<LabState[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const out: LabState[] = [];
  for (const n of names.sort()) {
    const s = await readState(join(root, n)).catch(() => undefined);
    if (s) out.push(s);
  }
  return out;
}

async function netnsExists(name: string): Promise<boolean> {
  const r = await run(['ip', 'netns', 'list'], { allowFailure: true });
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

export async function deleteNetns(name: string): Promise<void> {
  if (!NETNS_PATTERN.test(name)) throw new LabStateError('lab-netns-foreign', `refusing to delete netns '${name}': not a lab netns`, name);
  if (!(await netnsExists(name))) return;
  await run(['ip', 'netns', 'delete', name]);
}

/**
 * Removes everything the state lists: daemons by PID (checked against their
 * start time), the lab's netns, then the work dir. Idempotent.
 */
export async function teardownState(state: LabState): Promise<void> {
  const errors: string[] = [];
  // Controllers first, databases last, so nothing logs spurious reconnect storms.
  await stopDaemons([...state.daemons].reverse()).catch((e: unknown) => errors.push(String(e)));
  for (const ns of [...state.netns].reverse()) {
    await deleteNetns(ns).catch((e: unknown) => errors.push(String(e)));
  }
  if (basename(state.workDir) && state.workDir !== '/') {
    await rm(state.workDir, { recursive: true, force: true }).catch((e: unknown) => errors.push(String(e)));
  }
  if (errors.length > 0) throw new LabStateError('lab-teardown', `teardown of lab ${state.name} incomplete: ${errors.join('; ')}`, state.workDir);
}
