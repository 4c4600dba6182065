import { basename, dirname, join } from 'node:path';
import { PCI_ADDRESS, pciAddress } from './pci.ts';
import { SriovError } from './errors.ts';
import { Sysfs } from './sysfs.ts';

/** A PF's uplink netdev in switchdev mode: the name `ovn-pf-encap-ip-mapping` keys on. */
export interface Uplink {
  readonly netdev: string;
  /** PF PCI address, e.g. 0000:01:00.0. */
  readonly pci: string;
  readonly switchId: string;
  /** N of phys_port_name `p<N>`. */
  readonly port: number;
}

export type DeviceKind = 'vf-representor' | 'sf-representor' | 'vf-pci' | 'vf-netdev' | 'sf-aux' | 'sf-netdev';

export interface Resolution {
  readonly input: string;
  readonly kind: DeviceKind;
  readonly uplink: Uplink;
  /** VF index (virtfn<N>) for VF inputs and VF representors. */
  readonly vfIndex?: number;
  /** VF PCI address when known. */
  readonly vfPci?: string;
  /** SF number for SF inputs and SF representors. */
  readonly sfNum?: number;
}

const UPLINK_PORT = /^p(\d+)$/;
/** `pf<N>vf<M>` / `pf<N>sf<M>`, optionally with the multi-host controller prefix `c<K>`. */
const REP_PORT = /^(?:c\d+)?pf(\d+)(vf|sf)(\d+)$/;
const AUX_SF = /\.sf\.\d+$/;

export interface RepresentorPort {
  readonly pfNumber: number;
  readonly kind: 'vf' | 'sf';
  readonly index: number;
}

export function parseRepresentorPortName(name: string | undefined): RepresentorPort | undefined {
  const m = name === undefined ? null : REP_PORT.exec(name);
  if (!m) return undefined;
  return { pfNumber: Number(m[1]), kind: m[2] === 'vf' ? 'vf' : 'sf', index: Number(m[3]) };
}

function netdevReal(sys: Sysfs, netdev: string): string {
  if (netdev === '' || netdev.includes('/') || netdev === '.' || netdev === '..') {
    throw new SriovError('sriov-no-device', `'${netdev}' is not a netdev name`, netdev);
  }
  const link = sys.path('class/net', netdev);
  if (!sys.exists(link)) throw new SriovError('sriov-no-device', `no netdev '${netdev}' in ${sys.path('class/net')}`, netdev);
  return sys.real(link, netdev);
}

interface PortAttrs {
  readonly portName: string | undefined;
  readonly switchId: string | undefined;
}

function portAttrs(sys: Sysfs, dir: string): PortAttrs {
  return { portName: sys.attr(join(dir, 'phys_port_name')) || undefined, switchId: sys.attr(join(dir, 'phys_switch_id')) || undefined };
}

/** Every switchdev uplink among the netdevs under one PF's PCI directory. */
export function uplinksUnder(sys: Sysfs, pfDir: string): Uplink[] {
  const out: Uplink[] = [];
  for (const name of sys.list(join(pfDir, 'net'))) {
    const dir = join(pfDir, 'net', name);
    // Port name first: most entries are representors, no need for their switch id.
    const m = UPLINK_PORT.exec(sys.attr(join(dir, 'phys_port_name')) ?? '');
    if (!m) continue;
    const switchId = sys.attr(join(dir, 'phys_switch_id'));
    if (switchId) out.push({ netdev: name, pci: basename(pfDir), switchId, port: Number(m[1]) });
  }
  return out;
}

/**
 * Finds (and memoises) the uplink of every switchdev PF under
 * bus/pci/devices, so the first representor of each PF is resolved without
 * scanning its netdevs on a hot path. Returns how many PFs have one.
 */
export function warmUplinks(sys: Sysfs): number {
  let n = 0;
  for (const pci of sys.list(sys.path('bus/pci/devices'))) {
    try {
      const dir = sys.real(sys.path('bus/pci/devices', pci), pci);
      if (sys.attr(join(dir, 'sriov_totalvfs')) === undefined) continue;
      uplinkOfPf(sys, dir, pci);
      n++;
    } catch {
      // legacy mode or broken links: reported when a representor needs it
    }
  }
  return n;
}

/**
 * The PF's uplink (spec §6): an entry of `<pf>/net/` with a non-empty
 * phys_switch_id and phys_port_name `p<N>`. No such entry while the PF has
 * netdevs means the eswitch is in legacy mode.
 */
export function uplinkOfPf(sys: Sysfs, pfDir: string, input: string): Uplink {
  const memoKey = `uplink:${pfDir}`;
  const hit = sys.memo.get(memoKey) as Uplink | undefined;
  if (hit) {
    const a = portAttrs(sys, join(pfDir, 'net', hit.netdev));
    if (a.switchId === hit.switchId && a.portName === `p${hit.port}`) return hit;
    sys.memo.delete(memoKey);
  }
  const found = uplinksUnder(sys, pfDir);
  const first = found[0];
  if (first) {
    sys.memo.set(memoKey, first);
    return first;
  }
  const pci = basename(pfDir);
  const names = sys.list(join(pfDir, 'net'));
  if (names.length > 0) {
    throw new SriovError('sriov-legacy-mode',
      `PF ${pci} (${names.join(', ')}) has no switchdev uplink (no phys_switch_id / phys_port_name p<N>): its eswitch is in legacy mode; ` +
      `set it with 'devlink dev eswitch set pci/${pci} mode switchdev'`, input);
  }
  throw new SriovError('sriov-no-uplink', `PF ${pci} has no netdev under ${join(pfDir, 'net')}`, input);
}

/**
 * Index N of the PF's `virtfnN` link that points at the VF. Compared by link
 * text (kernel links are `../<vf pci>`), memoised per PF and re-checked.
 */
function vfIndexOf(sys: Sysfs, pfDir: string, vfDir: string): number | undefined {
  const vf = basename(vfDir);
  const memoKey = `vfidx:${pfDir}`;
  let idx = sys.memo.get(memoKey) as Map<string, number> | undefined;
  const hit = idx?.get(vf);
  if (hit !== undefined && basename(sys.link(join(pfDir, `virtfn${hit}`)) ?? '') === vf) return hit;
  idx = new Map();
  for (const name of sys.list(pfDir)) {
    const m = /^virtfn(\d+)$/.exec(name);
    const target = m ? sys.link(join(pfDir, name)) : undefined;
    if (m && target !== undefined) idx.set(basename(target), Number(m[1]));
  }
  sys.memo.set(memoKey, idx);
  return idx.get(vf);
}

/** VF PCI address -> physfn -> PF uplink (how a CNI device id is resolved). */
export function resolveVfPci(sys: Sysfs, pci: string): Resolution {
  const address = pciAddress(pci);
  if (address === undefined) throw new SriovError('sriov-no-device', `'${pci}' is not a PCI address like 0000:01:00.2`, pci);
  const link = sys.path('bus/pci/devices', address);
  if (!sys.exists(link)) throw new SriovError('sriov-no-device', `no PCI device ${pci} in ${sys.path('bus/pci/devices')}`, pci);
  return fromVfDir(sys, sys.real(link, pci), pci, 'vf-pci');
}

function fromVfDir(sys: Sysfs, vfDir: string, input: string, kind: DeviceKind): Resolution {
  const physfn = join(vfDir, 'physfn');
  if (!sys.exists(physfn)) {
    throw new SriovError('sriov-not-vf', `${basename(vfDir)} has no physfn link: it is not an SR-IOV VF`, input);
  }
  const pfDir = sys.real(physfn, input);
  const vfIndex = vfIndexOf(sys, pfDir, vfDir);
  const base = { input, kind, uplink: uplinkOfPf(sys, pfDir, input), vfPci: basename(vfDir) };
  return vfIndex === undefined ? base : { ...base, vfIndex };
}

/** SF auxiliary device (e.g. mlx5_core.sf.2): its parent is the PF's PCI function. */
export function resolveAuxDevice(sys: Sysfs, name: string): Resolution {
  const link = sys.path('bus/auxiliary/devices', name);
  if (name.includes('/') || !sys.exists(link)) throw new SriovError('sriov-no-device', `no auxiliary device '${name}' in ${sys.path('bus/auxiliary/devices')}`, name);
  return fromAuxDir(sys, sys.real(link, name), name, 'sf-aux');
}

function fromAuxDir(sys: Sysfs, auxDir: string, input: string, kind: DeviceKind): Resolution {
  const pfDir = dirname(auxDir);
  if (!PCI_ADDRESS.test(basename(pfDir))) {
    throw new SriovError('sriov-no-uplink', `auxiliary device ${basename(auxDir)} is not a child of a PCI function`, input);
  }
  const sfnum = sys.attr(join(auxDir, 'sfnum'));
  const base = { input, kind, uplink: uplinkOfPf(sys, pfDir, input) };
  return sfnum !== undefined && /^\d+$/.test(sfnum) ? { ...base, sfNum: Number(sfnum) } : base;
}

/**
 * A VF or SF representor netdev -> its PF uplink: a `p<N>` netdev with the
 * same phys_switch_id, first under the representor's own device (where mlx5
 * places them), else anywhere in class/net with N equal to the `pf<N>`.
 */
export function resolveRepresentor(sys: Sysfs, netdev: string): Resolution {
  const dir = netdevReal(sys, netdev);
  const a = portAttrs(sys, dir);
  const port = parseRepresentorPortName(a.portName);
  if (!port || !a.switchId) {
    const why = port ? 'it has no phys_switch_id' : a.portName ? `its phys_port_name is '${a.portName}', not pf<N>vf<M> or pf<N>sf<M>` : 'it has no phys_port_name';
    throw new SriovError('sriov-not-representor', `${netdev} is not a VF/SF representor: ${why}`, netdev);
  }
  const kind: DeviceKind = port.kind === 'vf' ? 'vf-representor' : 'sf-representor';
  let uplink: Uplink | undefined;
  const device = join(dir, 'device');
  let pfDir: string | undefined;
  if (sys.exists(device)) {
    pfDir = sys.real(device, netdev);
    let memo: Uplink | undefined;
    try {
      memo = uplinkOfPf(sys, pfDir, netdev);
    } catch {
      memo = undefined;
    }
    if (memo && memo.switchId === a.switchId && memo.port === port.pfNumber) {
      uplink = memo;
    } else {
      const same = uplinksUnder(sys, pfDir).filter((u) => u.switchId === a.switchId);
      uplink = same.find((u) => u.port === port.pfNumber) ?? (same.length === 1 ? same[0] : undefined);
    }
  }
  if (!uplink) {
    for (const name of sys.list(sys.path('class/net'))) {
      if (name === netdev) continue;
      let d: string;
      try {
        d = sys.real(sys.path('class/net', name), name);
      } catch {
        continue;
      }
      const b = portAttrs(sys, d);
      const m = b.portName === undefined ? null : UPLINK_PORT.exec(b.portName);
      if (m && b.switchId === a.switchId && Number(m[1]) === port.pfNumber) {
        uplink = { netdev: name, pci: basename(dirname(dirname(d))), switchId: b.switchId, port: Number(m[1]) };
        pfDir = dirname(dirname(d));
        break;
      }
    }
  }
  if (!uplink) {
    throw new SriovError('sriov-no-uplink', `${netdev} (${a.portName}, switch ${a.switchId}) has no uplink p${port.pfNumber} with the same phys_switch_id`, netdev);
  }
  if (port.kind === 'sf') return { input: netdev, kind, uplink, sfNum: port.index };
  const vfLink = pfDir ? join(pfDir, `virtfn${port.index}`) : undefined;
  let vfPci: string | undefined;
  if (vfLink && sys.exists(vfLink)) {
    try {
      vfPci = basename(sys.real(vfLink, netdev));
    } catch {
      vfPci = undefined;
    }
  }
  return vfPci ? { input: netdev, kind, uplink, vfIndex: port.index, vfPci } : { input: netdev, kind, uplink, vfIndex: port.index };
}

/** A VF's or SF's own netdev (host side, before it moves into a pod) -> PF uplink. */
export function resolveFunctionNetdev(sys: Sysfs, netdev: string): Resolution {
  const dir = netdevReal(sys, netdev);
  const device = join(dir, 'device');
  if (!sys.exists(device)) throw new SriovError('sriov-not-vf', `${netdev} has no device link: a virtual netdev, not a VF`, netdev);
  const devDir = sys.real(device, netdev);
  if (AUX_SF.test(basename(devDir))) return fromAuxDir(sys, devDir, netdev, 'sf-netdev');
  // Some kernels parent the SF netdev on the SF's child eth auxiliary device.
  if (/\.eth\.\d+$/.test(basename(devDir)) && AUX_SF.test(basename(dirname(devDir)))) {
    return fromAuxDir(sys, dirname(devDir), netdev, 'sf-netdev');
  }
  return fromVfDir(sys, devDir, netdev, 'vf-netdev');
}

/**
 * Any of: VF PCI address, SF auxiliary device name, VF/SF representor
 * netdev, VF/SF netdev. Throws SriovError naming why it cannot be resolved.
 */
export function resolveDevice(sys: Sysfs, id: string): Resolution {
  if (pciAddress(id) !== undefined) return resolveVfPci(sys, id);
  if (!id.includes('/') && sys.exists(sys.path('bus/auxiliary/devices', id))) return resolveAuxDevice(sys, id);
  const dir = netdevReal(sys, id);
  if (parseRepresentorPortName(portAttrs(sys, dir).portName)) return resolveRepresentor(sys, id);
  return resolveFunctionNetdev(sys, id);
}
