// A sysfs tree built by hand the way the kernel lays it out on a ConnectX-6 Dx
// host behind a PCIe root port (independent of src/sriov/fixture.ts, so the
// discovery code is checked against the kernel's shape, not only our own):
// class/net, bus/pci/devices and bus/auxiliary/devices are relative symlinks
// into devices/, PCI functions nest under their bridge, netdev directories
// carry a `device` link back to their parent, and virtual netdevs live in
// devices/virtual/net without one.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

export const BRIDGE = 'devices/pci0000:00/0000:00:02.0';
export const SWITCH_ID = '7cfe900300a1b2c4';

export interface KernelTreeLayout {
  readonly root: string;
  readonly pf0: { pci: string; uplink: string; reps: string[]; vfs: string[]; vfNetdev: string; sfAux: string; sfNetdev: string; sfRep: string };
  readonly pf1Legacy: { pci: string; netdev: string; vf: string };
  readonly brokenVf: string;
}

async function attr(dir: string, name: string, value: string | undefined): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (value !== undefined) await writeFile(join(dir, name), `${value}\n`);
}

async function link(root: string, at: string, target: string): Promise<void> {
  const a = join(root, at);
  await mkdir(dirname(a), { recursive: true });
  await symlink(relative(dirname(a), join(root, target)), a);
}

async function pciFn(root: string, pci: string, extra: Record<string, string> = {}): Promise<string> {
  const rel = `${BRIDGE}/${pci}`;
  await attr(join(root, rel), 'vendor', '0x15b3');
  for (const [k, v] of Object.entries(extra)) await attr(join(root, rel), k, v);
  await link(root, `bus/pci/devices/${pci}`, rel);
  return rel;
}

async function netdev(root: string, parentRel: string, name: string, portName?: string, switchId?: string): Promise<void> {
  const rel = `${parentRel}/net/${name}`;
  await attr(join(root, rel), 'ifindex', '7');
  // Leaving a file out models the kernel's EOPNOTSUPP on read.
  await attr(join(root, rel), 'phys_port_name', portName);
  await attr(join(root, rel), 'phys_switch_id', switchId);
  await link(root, `${rel}/device`, parentRel);
  await link(root, `class/net/${name}`, rel);
}

export async function buildKernelTree(root: string): Promise<KernelTreeLayout> {
  // PF 0: switchdev, two VFs, one SF.
  const pf0 = await pciFn(root, '0000:03:00.0', { sriov_totalvfs: '8', sriov_numvfs: '2' });
  await netdev(root, pf0, 'enp3s0f0np0', 'p0', SWITCH_ID);
  // Representor names vary by udev rules; only phys_port_name identifies them.
  await netdev(root, pf0, 'enp3s0f0npf0vf0', 'pf0vf0', SWITCH_ID);
  await netdev(root, pf0, 'eth5', 'pf0vf1', SWITCH_ID);
  await netdev(root, pf0, 'enp3s0f0npf0sf88', 'pf0sf88', SWITCH_ID);
  const vfs = ['0000:03:00.2', '0000:03:00.3'];
  for (const [i, vf] of vfs.entries()) {
    const vfRel = await pciFn(root, vf);
    await link(root, `${vfRel}/physfn`, pf0);
    await link(root, `${pf0}/virtfn${i}`, vfRel);
  }
  await netdev(root, `${BRIDGE}/0000:03:00.2`, 'enp3s0f0v0');
  const sfAux = 'mlx5_core.sf.2';
  const sfRel = `${pf0}/${sfAux}`;
  await attr(join(root, sfRel), 'sfnum', '88');
  await link(root, `bus/auxiliary/devices/${sfAux}`, sfRel);
  await netdev(root, sfRel, 'enp3s0f0s88');

  // PF 1: legacy eswitch, one VF, no representors; port attributes unreadable.
  const pf1 = await pciFn(root, '0000:03:00.1', { sriov_totalvfs: '8', sriov_numvfs: '1' });
  await netdev(root, pf1, 'enp3s0f1np1');
  const vf1 = await pciFn(root, '0000:03:00.4');
  await link(root, `${vf1}/physfn`, pf1);
  await link(root, `${pf1}/virtfn0`, vf1);

  // A VF whose physfn points at a PF that is gone.
  const broken = await pciFn(root, '0000:03:00.6');
  await link(root, `${broken}/physfn`, `${BRIDGE}/0000:03:00.7`);

  // Virtual netdev: no device link.
  await attr(join(root, 'devices/virtual/net/lo'), 'ifindex', '1');
  await link(root, 'class/net/lo', 'devices/virtual/net/lo');

  return {
    root,
    pf0: {
      pci: '0000:03:00.0', uplink: 'enp3s0f0np0', reps: ['enp3s0f0npf0vf0', 'eth5'], vfs, vfNetdev: 'enp3s0f0v0',
      sfAux, sfNetdev: 'enp3s0f0s88', sfRep: 'enp3s0f0npf0sf88',
    },
    pf1Legacy: { pci: '0000:03:00.1', netdev: 'enp3s0f1np1', vf: '0000:03:00.4' },
    brokenVf: '0000:03:00.6',
  };
}
