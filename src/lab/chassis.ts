import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MvtepError } from '../util/errors.ts';
import { run } from '../util/exec.ts';
import { buildSysfsFixture } from '../sriov/fixture.ts';
import { daemonEnv, type LabContext } from './context.ts';
import { cablePf, fabricPeerName } from './fabric.ts';
import { isNetdevLab } from './podNetns.ts';
import type { ChassisSpec, Scenario } from './scenario.ts';
import type { ChassisHandle, FabricHandle } from './state.ts';

const QUIET = ['-vconsole:off', '-vsyslog:off'];
// Unix socket paths are limited to 107 bytes; OVS adds names like br-int.mgmt to the run dir.
const MAX_RUNDIR = 80;

export class LabPathError extends MvtepError {}

/** Paths and names of chassis number `index`, fixed before anything is created. */
export function chassisHandle(workDir: string, labId: string, spec: ChassisSpec, index: number): ChassisHandle {
  const runDir = join(workDir, 'chassis', spec.name);
  return {
    name: spec.name,
    index,
    runDir,
    ovsdbRemote: `unix:${join(runDir, 'db.sock')}`,
    netns: `mvl${labId}-c${index}`,
    sysfsRoot: join(workDir, 'sys', spec.name),
    vswitchdCtl: join(runDir, 'ovs-vswitchd.ctl'),
    controllerCtl: join(runDir, 'ovn-controller.ctl'),
    ovsdbCtl: join(runDir, 'ovsdb-server.ctl'),
    encapIps: spec.encapIps ?? [],
    ...(spec.encapIpDefault ? { encapIpDefault: spec.encapIpDefault } : {}),
    nics: spec.nics.map((n, ni) => ({
      pf: n.pf,
      pci: n.pci,
      ...(n.vtep ? { vtep: n.vtep } : {}),
      ...(n.purpose ? { purpose: n.purpose } : {}),
      fabricPeer: fabricPeerName(index, ni, n.pf),
      vfs: [],
    })),
  };
}

/** The single-key external_ids settings the scenario asks for (spec §1). */
export function openVswitchExternalIds(spec: ChassisSpec, scenario: Scenario, sbRemote: string): [string, string][] {
  // One zone per chassis: ovn-controller builds tunnels to remote chassis only when it is an interconnect chassis.
  const ic: [string, string][] = scenario.interconnect ? [['ovn-is-interconn', 'true']] : [];
  const ids: [string, string][] = [
    ['system-id', spec.name],
    ['ovn-remote', sbRemote],
    ['ovn-encap-type', scenario.encapType],
    ['ovn-bridge', 'br-int'],
    ['hostname', spec.name],
    ...ic,
  ];
  if (spec.encapIps) ids.push(['ovn-encap-ip', spec.encapIps.join(',')]);
  if (spec.encapIpDefault) ids.push(['ovn-encap-ip-default', spec.encapIpDefault]);
  if (spec.writePfMapping) ids.push(['ovn-pf-encap-ip-mapping', spec.nics.map((n) => `${n.pf}:${n.vtep}`).join(',')]);
  return ids;
}

/**
 * One chassis: netns with its PF cables, fixture sysfs, ovsdb-server,
 * ovs-vswitchd (inside the netns), br-int (dummy datapath) and ovn-controller.
 * Returns the handle completed with the fixture's VFs.
 */
/**
 * A node with several VTEPs in one subnet must answer ARP for a VTEP only on
 * that VTEP's own port (arp_ignore=1) and source its requests from it
 * (arp_announce=2). Linux's default answers for every local address on every
 * interface: a peer's request, flooded by the fabric to all of a node's NICs,
 * got one reply per NIC, and the peer's OVS kept whichever came last, so
 * tunnels to the streaming VTEP landed on the storage NIC (and its kernel
 * answered "udp port 6081 unreachable"). Real multi-VTEP hosts need the same.
 */
async function oneNicPerVtepArp(netns: string): Promise<void> {
  await run(['ip', 'netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
}

export async function startChassis(ctx: LabContext, scenario: Scenario, spec: ChassisSpec, handle: ChassisHandle,
  fabric: FabricHandle, sbRemote: string = ctx.state.sb!.remote): Promise<ChassisHandle> {
  const dir = handle.runDir;
  if (join(dir, 'br-int.mgmt').length > MAX_RUNDIR + 12) {
    throw new LabPathError('lab-path-too-long', `run dir ${dir} is too long for unix sockets; use a shorter lab root (MVTEP_LAB_DIR)`, dir);
  }
  await mkdir(dir, { recursive: true });
  const env = daemonEnv(dir);
  const fixture = await buildSysfsFixture(handle.sysfsRoot,
    spec.nics.map((n) => ({ pf: n.pf, pci: n.pci, totalVfs: n.totalVfs, numVfs: n.numVfs, mode: 'switchdev' as const })),
    { seed: handle.index });

  await ctx.netnsAdd(handle.netns);
  if (isNetdevLab(scenario)) await oneNicPerVtepArp(handle.netns);
  for (const [ni, nic] of handle.nics.entries()) {
    await cablePf(ctx, fabric, handle.netns, nic.pf, fixture.nics[ni]!.mac, nic.fabricPeer);
  }

  const db = join(dir, 'conf.db');
  await run([...ctx.runtime.argv('ovsdb-tool'), 'create', db, ctx.runtime.schemas.vswitch]);
  const dbLog = join(dir, 'ovsdb-server.log');
  const dbRec = await ctx.daemon(`${spec.name}-ovsdb-server`, 'ovsdb-server', [
    db, `--remote=punix:${join(dir, 'db.sock')}`, `--unixctl=${handle.ovsdbCtl}`,
    `--pidfile=${join(dir, 'ovsdb-server.pid')}`, `--log-file=${dbLog}`, ...QUIET,
  ], env, dir);
  await ctx.awaitControl(dbRec, handle.ovsdbCtl, dbLog);

  const remote = handle.ovsdbRemote;
  await ctx.tools.vsctl(remote, ['init'], { noWait: true });
  const sets = openVswitchExternalIds(spec, scenario, sbRemote).map(([k, v]) => `external_ids:${k}=${v}`);
  // ovs-ctl records the version on a real node and vswitchd never does; verify gates netdev tunnel routing on it.
  const ovsVersion = ctx.runtime.manifest.ovsVersion;
  if (ovsVersion) sets.push(`ovs_version=${JSON.stringify(ovsVersion)}`);
  await ctx.tools.vsctl(remote, [
    '--', 'set', 'Open_vSwitch', '.', ...sets,
    '--', 'add-br', 'br-int',
    '--', 'set', 'Bridge', 'br-int', `datapath_type=${isNetdevLab(scenario) ? 'netdev' : 'dummy'}`, 'fail_mode=secure', 'other_config:disable-in-band=true',
  ], { noWait: true });

  const vsLog = join(dir, 'ovs-vswitchd.log');
  // Plain --enable-dummy (not =override): br-int is dummy, while netdev-datapath
  // bridges the underlay adds get real kernel taps in this netns.
  const vsRec = await ctx.daemon(`${spec.name}-ovs-vswitchd`, 'ovs-vswitchd', [
    remote, '--enable-dummy', '--disable-system', `--unixctl=${handle.vswitchdCtl}`,
    `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`, `--log-file=${vsLog}`, ...QUIET,
  ], env, dir, handle.netns);
  await ctx.awaitControl(vsRec, handle.vswitchdCtl, vsLog);

  const ocLog = join(dir, 'ovn-controller.log');
  const ocRec = await ctx.daemon(`${spec.name}-ovn-controller`, 'ovn-controller', [
    remote, `--unixctl=${handle.controllerCtl}`, `--pidfile=${join(dir, 'ovn-controller.pid')}`,
    `--log-file=${ocLog}`, ...QUIET,
  ], env, dir);
  await ctx.awaitControl(ocRec, handle.controllerCtl, ocLog);

  return {
    ...handle,
    nics: handle.nics.map((n, ni) => ({
      ...n,
      vfs: fixture.nics[ni]!.vfs.map((v) => ({ index: v.index, pci: v.pci, representor: v.representor!, netdev: v.netdev })),
    })),
  };
}
