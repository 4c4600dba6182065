/**
 * Fixture sysfs trees for SR-IOV NICs (the one fake in mvtep: there is no
 * SR-IOV hardware here). The tree is shaped like the kernel's `/sys`, so the
 * discovery code reads it exactly as it reads a real node, given `root`
 * instead of `/sys`. Layout for PF `enp1s0f0` at 0000:01:00.0 with two VFs in
 * switchdev mode (every link is relative, as in the kernel):
 *
 *   devices/pci0000:00/0000:01:00.0/            PF PCI function
 *     vendor device class                      0x15b3 / 0x101d / 0x020000 (ConnectX-6 Dx)
 *     sriov_totalvfs sriov_numvfs              "8\n" / "2\n"
 *     virtfn0 -> ../0000:01:00.2               one link per enabled VF
 *     virtfn1 -> ../0000:01:00.3
 *     net/enp1s0f0/                            uplink netdev
 *       phys_port_name "p0"   phys_switch_id "0c42a1fffe000100"
 *       ifindex address device -> ../../../0000:01:00.0
 *     net/enp1s0f0_0/                          VF 0 representor (lives under the PF)
 *       phys_port_name "pf0vf0"  phys_switch_id (same as the uplink)
 *       ifindex address device -> ../../../0000:01:00.0
 *   devices/pci0000:00/0000:01:00.2/            VF 0 PCI function
 *     vendor device class                      0x15b3 / 0x101e / 0x020000
 *     physfn -> ../0000:01:00.0
 *     net/enp1s0f0v0/                          VF netdev (before it moves into a pod)
 *       phys_port_name ""  phys_switch_id ""   (the kernel refuses to read these: EOPNOTSUPP)
 *       ifindex address device -> ../../../0000:01:00.2
 *   class/net/<netdev> -> ../../devices/pci0000:00/<pci>/net/<netdev>   every netdev above
 *   bus/pci/devices/<pci> -> ../../../devices/pci0000:00/<pci>         every PCI function above
 *   mvtep-devlink/pci/<pf pci>/eswitch_mode    "switchdev" | "legacy" (lab extension, not kernel
 *                                              sysfs: what `devlink dev eswitch show` would say)
 *
 * VFs sit on the PF's bus from function .2 on (how ConnectX parts enumerate
 * without ARI); a function-1 PF's VFs follow function 0's (see vfPci). PF `pfN` in `pf<N>vf<M>` is the PF's PCI function number.
 * In legacy mode there are no representors and the uplink's
 * `phys_port_name`/`phys_switch_id` are empty (unreadable in the kernel).
 * Attribute files end in "\n" like the kernel's; readers should trim.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { PCI_ADDRESS } from './pci.ts';
import { dirname, join, relative } from 'node:path';
import { MvtepError } from '../util/errors.ts';

export type EswitchMode = 'switchdev' | 'legacy';

export interface FixtureNicSpec {
  /** Uplink netdev name, e.g. enp1s0f0. */
  readonly pf: string;
  /** PF PCI address, e.g. 0000:01:00.0 (function 0 or 1). */
  readonly pci: string;
  readonly totalVfs: number;
  readonly numVfs: number;
  readonly mode?: EswitchMode;
  /** 16 hex digits; derived from the PCI address and the tree seed when absent. */
  readonly switchId?: string;
}

export interface FixtureOptions {
  /** 0..255, mixed into MACs and switch ids so trees of different chassis differ. */
  readonly seed?: number;
  /** First ifindex to hand out (netdevs are numbered in creation order). */
  readonly firstIfindex?: number;
}

export interface FixtureVf {
  readonly index: number;
  readonly pci: string;
  /** VF netdev name (`<pf>v<index>`). */
  readonly netdev: string;
  /** Representor netdev name (`<pf>_<index>`), absent in legacy mode. */
  readonly representor?: string;
  readonly representorPortName?: string;
  readonly mac: string;
}

export interface FixtureNic {
  readonly pf: string;
  readonly pci: string;
  readonly mode: EswitchMode;
  readonly switchId: string;
  readonly mac: string;
  readonly totalVfs: number;
  readonly vfs: readonly FixtureVf[];
}

export interface SysfsFixture {
  /** Use in place of `/sys`. */
  readonly root: string;
  readonly nics: readonly FixtureNic[];
}

export class FixtureError extends MvtepError {}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** Representor netdev name for VF `index` of `pf` (what the lab plugs into br-int). */
export function representorName(pf: string, index: number): string {
  return `${pf}_${index}`;
}

export function vfNetdevName(pf: string, index: number): string {
  return `${pf}v${index}`;
}

/**
 * VF `index` of the PF at `pfPci` (SR-IOV First VF Offset/Stride as ConnectX
 * parts without ARI report them): function 0's VFs start at function .2 of
 * its bus; function 1's VFs follow function 0's range, which is assumed to be
 * as large as its own `totalVfs`.
 */
export function vfPci(pfPci: string, index: number, totalVfs = 0): string {
  const m = PCI_ADDRESS.exec(pfPci);
  if (!m) throw new FixtureError('fixture-bad-pci', `'${pfPci}' is not a PCI address like 0000:01:00.0`, pfPci);
  const fn = Number(m[4]);
  const slot = parseInt(m[3]!, 16) * 8 + 2 + (fn === 1 ? totalVfs : 0) + index;
  return `${m[1]}:${m[2]}:${hex2(Math.floor(slot / 8))}.${slot % 8}`;
}

function check(spec: FixtureNicSpec): { bus: number; fn: number } {
  const m = PCI_ADDRESS.exec(spec.pci);
  if (!m) throw new FixtureError('fixture-bad-pci', `${spec.pf}: '${spec.pci}' is not a PCI address like 0000:01:00.0`, spec.pci);
  if (spec.pf.length > 12) throw new FixtureError('fixture-bad-name', `${spec.pf}: netdev name longer than 12 (representor names would exceed 15)`, spec.pf);
  if (!Number.isInteger(spec.numVfs) || spec.numVfs < 0 || spec.numVfs > spec.totalVfs) {
    throw new FixtureError('fixture-bad-vfs', `${spec.pf}: numVfs ${spec.numVfs} not within 0..totalVfs (${spec.totalVfs})`, spec.numVfs);
  }
  if (!Number.isInteger(spec.totalVfs) || spec.totalVfs < 0 || spec.totalVfs > 255) {
    throw new FixtureError('fixture-bad-vfs', `${spec.pf}: totalVfs ${spec.totalVfs} not within 0..255`, spec.totalVfs);
  }
  if (spec.switchId !== undefined && !/^[0-9a-f]{16}$/.test(spec.switchId)) {
    throw new FixtureError('fixture-bad-switch-id', `${spec.pf}: switchId '${spec.switchId}' is not 16 hex digits`, spec.switchId);
  }
  return { bus: parseInt(m[2]!, 16), fn: parseInt(m[4]!, 10) };
}

class TreeWriter {
  private ifindex: number;
  constructor(readonly root: string, firstIfindex: number) {
    this.ifindex = firstIfindex;
  }

  async attrs(dir: string, values: Record<string, string>): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const [k, v] of Object.entries(values)) await writeFile(join(dir, k), v === '' ? '' : `${v}\n`);
  }

  /** Relative link at `at` pointing to `target` (both absolute), like the kernel's. */
  async link(at: string, target: string): Promise<void> {
    await mkdir(dirname(at), { recursive: true });
    await symlink(relative(dirname(at), target), at);
  }

  pciDir(pci: string): string {
    return join(this.root, 'devices/pci0000:00', pci);
  }

  async pciFunction(pci: string, device: string, extra: Record<string, string>): Promise<string> {
    const dir = this.pciDir(pci);
    await this.attrs(dir, { vendor: '0x15b3', device, class: '0x020000', ...extra });
    await this.link(join(this.root, 'bus/pci/devices', pci), dir);
    return dir;
  }

  async netdev(pciDir: string, name: string, mac: string, portName: string, switchId: string): Promise<void> {
    const dir = join(pciDir, 'net', name);
    await this.attrs(dir, {
      ifindex: String(this.ifindex++), address: mac, phys_port_name: portName, phys_switch_id: switchId,
      addr_len: '6', type: '1', operstate: 'up',
    });
    await this.link(join(dir, 'device'), pciDir);
    await this.link(join(this.root, 'class/net', name), dir);
  }
}

/** Builds the tree under `root` (created; must not already hold these devices). */
export async function buildSysfsFixture(root: string, nics: readonly FixtureNicSpec[], options: FixtureOptions = {}): Promise<SysfsFixture> {
  const seed = options.seed ?? 0;
  const w = new TreeWriter(root, options.firstIfindex ?? 100);
  await mkdir(join(root, 'class/net'), { recursive: true });
  await mkdir(join(root, 'bus/pci/devices'), { recursive: true });
  const seen = new Set<string>();
  const pcis = new Set<string>();
  const out: FixtureNic[] = [];
  for (const spec of nics) {
    const { bus, fn } = check(spec);
    for (const name of [spec.pf, ...Array.from({ length: spec.numVfs }, (_, i) => representorName(spec.pf, i))]) {
      if (seen.has(name)) throw new FixtureError('fixture-duplicate', `netdev '${name}' defined twice`, name);
      seen.add(name);
    }
    for (const pci of [spec.pci, ...Array.from({ length: spec.numVfs }, (_, i) => vfPci(spec.pci, i, spec.totalVfs))]) {
      if (pcis.has(pci)) throw new FixtureError('fixture-duplicate', `${spec.pf}: PCI address ${pci} is already used by another function`, pci);
      pcis.add(pci);
    }
    const mode = spec.mode ?? 'switchdev';
    const switchId = spec.switchId ?? `0c42a1fffe${hex2(seed)}${hex2(bus)}${hex2(fn)}`;
    const macOf = (vfByte: number, kind: number) => `02:${hex2(seed)}:${hex2(bus)}:${hex2(fn)}:${hex2(kind)}:${hex2(vfByte)}`;
    const pfMac = macOf(0, 0);
    const vfs: FixtureVf[] = [];
    const pfDir = await w.pciFunction(spec.pci, '0x101d', { sriov_totalvfs: String(spec.totalVfs), sriov_numvfs: String(spec.numVfs) });
    const switchdev = mode === 'switchdev';
    await w.netdev(pfDir, spec.pf, pfMac, switchdev ? `p${fn}` : '', switchdev ? switchId : '');
    for (let i = 0; i < spec.numVfs; i++) {
      const pci = vfPci(spec.pci, i, spec.totalVfs);
      const vfDir = await w.pciFunction(pci, '0x101e', {});
      await w.link(join(vfDir, 'physfn'), pfDir);
      await w.link(join(pfDir, `virtfn${i}`), vfDir);
      const mac = macOf(i, 1);
      await w.netdev(vfDir, vfNetdevName(spec.pf, i), mac, '', '');
      if (switchdev) {
        const rep = representorName(spec.pf, i);
        const portName = `pf${fn}vf${i}`;
        await w.netdev(pfDir, rep, macOf(i, 2), portName, switchId);
        vfs.push({ index: i, pci, netdev: vfNetdevName(spec.pf, i), representor: rep, representorPortName: portName, mac });
      } else {
        vfs.push({ index: i, pci, netdev: vfNetdevName(spec.pf, i), mac });
      }
    }
    await w.attrs(join(root, 'mvtep-devlink/pci', spec.pci), { eswitch_mode: mode });
    out.push({ pf: spec.pf, pci: spec.pci, mode, switchId, mac: pfMac, totalVfs: spec.totalVfs, vfs });
  }
  return { root, nics: out };
}
