import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SriovError } from './errors.ts';
import { parseRepresentorPortName, uplinksUnder, type Uplink } from './resolve.ts';
import { Sysfs } from './sysfs.ts';

export interface VfInfo {
  readonly index: number;
  readonly pci: string;
  /** Host-side VF netdevs (empty once the VF moved into a pod's netns). */
  readonly netdevs: readonly string[];
  readonly representor?: string;
}

export interface SfInfo {
  /** Auxiliary device name, e.g. mlx5_core.sf.2. */
  readonly aux: string;
  readonly sfNum?: number;
  readonly netdevs: readonly string[];
  readonly representor?: string;
}

export interface PfInfo {
  readonly pci: string;
  readonly mode: 'switchdev' | 'legacy';
  /** Undefined in legacy mode. */
  readonly uplink?: Uplink;
  /** Every netdev under the PF's PCI function (uplink and representors in switchdev mode). */
  readonly netdevs: readonly string[];
  readonly totalVfs: number;
  readonly numVfs: number;
  readonly vfs: readonly VfInfo[];
  readonly sfs: readonly SfInfo[];
}

export interface SriovProblem {
  readonly pci: string;
  readonly error: SriovError;
}

export interface SriovInventory {
  readonly root: string;
  readonly pfs: readonly PfInfo[];
  /** Devices we could not read (broken links): reported, not fatal for the rest. */
  readonly problems: readonly SriovProblem[];
}

function num(s: string | undefined): number {
  const n = s === undefined ? NaN : Number(s);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** Representor netdevs by (kind, index) for one uplink: same switch id and pf number. */
function representorsOf(sys: Sysfs, uplink: Uplink, pfDir: string): Map<string, string> {
  const out = new Map<string, string>();
  // mlx5 puts representors under the PF; other drivers may not, so scan class/net too.
  const candidates = new Set<string>([...sys.list(join(pfDir, 'net')), ...sys.list(sys.path('class/net'))]);
  for (const name of candidates) {
    const dir = sys.path('class/net', name);
    const port = parseRepresentorPortName(sys.attr(join(dir, 'phys_port_name')));
    if (!port || port.pfNumber !== uplink.port) continue;
    if (sys.attr(join(dir, 'phys_switch_id')) !== uplink.switchId) continue;
    out.set(`${port.kind}${port.index}`, name);
  }
  return out;
}

function discoverPf(sys: Sysfs, pci: string, pfDir: string): PfInfo {
  const uplink = uplinksUnder(sys, pfDir)[0];
  const reps = uplink ? representorsOf(sys, uplink, pfDir) : new Map<string, string>();
  const vfs: VfInfo[] = [];
  for (const name of sys.list(pfDir)) {
    const m = /^virtfn(\d+)$/.exec(name);
    if (!m) continue;
    const index = Number(m[1]);
    const vfDir = sys.real(join(pfDir, name), pci);
    const rep = reps.get(`vf${index}`);
    const vf = { index, pci: basename(vfDir), netdevs: sys.list(join(vfDir, 'net')) };
    vfs.push(rep ? { ...vf, representor: rep } : vf);
  }
  vfs.sort((a, b) => a.index - b.index);
  const sfs: SfInfo[] = [];
  for (const name of sys.list(pfDir)) {
    if (!/\.sf\.\d+$/.test(name)) continue;
    const auxDir = join(pfDir, name);
    const sfnum = sys.attr(join(auxDir, 'sfnum'));
    const netdevs = [...sys.list(join(auxDir, 'net'))];
    // mlx5 registers the SF netdev under a child eth auxiliary device.
    for (const child of sys.list(auxDir)) if (/\.eth\.\d+$/.test(child)) netdevs.push(...sys.list(join(auxDir, child, 'net')));
    const sfNum = sfnum !== undefined && /^\d+$/.test(sfnum) ? Number(sfnum) : undefined;
    const rep = sfNum === undefined ? undefined : reps.get(`sf${sfNum}`);
    sfs.push({ aux: name, ...(sfNum === undefined ? {} : { sfNum }), netdevs, ...(rep ? { representor: rep } : {}) });
  }
  const base = {
    pci,
    mode: uplink ? ('switchdev' as const) : ('legacy' as const),
    netdevs: sys.list(join(pfDir, 'net')),
    totalVfs: num(sys.attr(join(pfDir, 'sriov_totalvfs'))),
    numVfs: num(sys.attr(join(pfDir, 'sriov_numvfs'))),
    vfs,
    sfs,
  };
  return uplink ? { ...base, uplink } : base;
}

/**
 * Throws when `root` is not a sysfs tree (no `bus/pci/devices` directory):
 * a sysfs that was asked for and cannot be read must not read as "no NICs".
 */
export function requireSysfsRoot(root: string): void {
  let ok = false;
  try {
    ok = statSync(join(root, 'bus/pci/devices')).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new SriovError('sriov-sysfs-unreadable', `sysfs root ${root} cannot be read: ${join(root, 'bus/pci/devices')} is not a directory`, root);
}

/** Every SR-IOV capable PF (has sriov_totalvfs) under `<root>/bus/pci/devices`. */
export function discoverSriov(root = '/sys'): SriovInventory {
  const sys = new Sysfs(root);
  const pfs: PfInfo[] = [];
  const problems: SriovProblem[] = [];
  for (const pci of sys.list(sys.path('bus/pci/devices'))) {
    try {
      const dir = sys.real(sys.path('bus/pci/devices', pci), pci);
      if (sys.attr(join(dir, 'sriov_totalvfs')) === undefined) continue;
      pfs.push(discoverPf(sys, pci, dir));
    } catch (err) {
      if (err instanceof SriovError) problems.push({ pci, error: err });
      else throw err;
    }
  }
  return { root, pfs, problems };
}
