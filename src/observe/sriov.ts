import { discoverSriov, requireSysfsRoot } from '../sriov/index.ts';
import type { SriovState } from './state.ts';

/** PF uplinks and VF representors from a sysfs tree (the real /sys or a fixture). */
export function readSriov(root = '/sys'): SriovState {
  requireSysfsRoot(root);
  const inv = discoverSriov(root);
  const pfs: { pf: string; pci: string; switchId: string }[] = [];
  const representors: { netdev: string; pf: string; vf: number; vfPci?: string }[] = [];
  for (const pf of inv.pfs) {
    if (!pf.uplink) continue;
    pfs.push({ pf: pf.uplink.netdev, pci: pf.pci, switchId: pf.uplink.switchId });
    for (const vf of pf.vfs) {
      if (vf.representor) representors.push({ netdev: vf.representor, pf: pf.uplink.netdev, vf: vf.index, vfPci: vf.pci });
    }
  }
  return { sysfsRoot: root, pfs, representors };
}
