// What the attach benchmarks share (bench/attach.ts: sequential,
// bench/attach-burst.ts: many pods at once): the node's NICs and VTEPs, the
// pods spread over the PFs, the baseline's ovs-vsctl command line and the
// per-pod statistics. One copy, so the two benchmarks measure the same pods
// against the same baseline.
import { spawn, type ChildProcess } from 'node:child_process';
import type { OvsHarness } from '../test/node/agentHarness.ts';
import type { FixtureNicSpec } from '../src/sriov/index.ts';

/** PFs of the benchmark node by default, one VTEP each. */
export const PFS = 4;
/** VFs a PF can have at most (the fixture's and PCI's limit is 255). */
export const MAX_VFS = 250;

export function attachNics(vfsPerPf: number, pfs = PFS): FixtureNicSpec[] {
  return Array.from({ length: pfs }, (_, i) => ({
    pf: `enp${i + 1}s0f0`, pci: `0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`, totalVfs: vfsPerPf, numVfs: vfsPerPf,
  }));
}

/** The VTEP of PF number `pf` (0-based). */
export const vtepOf = (pf: number): string => `192.0.2.${pf + 1}`;

export function attachIds(nics: readonly FixtureNicSpec[]): Record<string, string> {
  return {
    'ovn-encap-ip': nics.map((_, i) => vtepOf(i)).join(','),
    'ovn-pf-encap-ip-mapping': nics.map((n, i) => `${n.pf}:${vtepOf(i)}`).join(','),
  };
}

export interface Pod { readonly rep: string; readonly vfPci: string; readonly pf: number; readonly mac: string }

/** The fixture's VFs as pods, round-robin over the PFs (VF 0 of every PF, then VF 1, ...). */
export function podsOf(h: OvsHarness, n: number): Pod[] {
  const out: Pod[] = [];
  const vfs = Math.max(...h.sysfs.nics.map((nic) => nic.vfs.length));
  for (let v = 0; v < vfs && out.length < n; v++) {
    h.sysfs.nics.forEach((nic, p) => {
      const vf = nic.vfs[v];
      if (vf && out.length < n) out.push({ rep: vf.representor!, vfPci: vf.pci, pf: p, mac: vf.mac });
    });
  }
  if (out.length < n) throw new Error(`the fixture has ${out.length} VFs, ${n} pods asked for`);
  return out;
}

/**
 * The baseline, what ovnkube-node runs per pod: one ovs-vsctl process that
 * adds the port with its keys and encap-ip (handed the IP: no mapping lookup).
 * Without --no-wait ovs-vsctl waits until ovs-vswitchd applied it (cur_cfg).
 */
export function vsctlAttachArgv(h: OvsHarness, pod: Pod, ifaceId: string, opts: { wait: boolean; type: string; timeoutS?: number }): string[] {
  return [...h.rt.argv('ovs-vsctl'), `--db=${h.remote}`, `--timeout=${opts.timeoutS ?? 30}`, ...(opts.wait ? [] : ['--no-wait']),
    'add-port', 'br-int', pod.rep, '--', 'set', 'Interface', pod.rep, ...(opts.type ? [`type=${opts.type}`] : []),
    `external_ids:iface-id=${ifaceId}`, 'external_ids:iface-status=active', `external_ids:attached-mac="${pod.mac}"`,
    `external_ids:encap-ip=${vtepOf(pod.pf)}`];
}

/**
 * Runs argv (no shell) to its exit; rejects on a non-zero exit with its
 * stderr. Resolves with its stdout. `started` sees the child (to stop it by PID).
 */
export function runProcess(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, started?: (c: ChildProcess) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const c = spawn(file!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    started?.(c);
    let out = '';
    let err = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')}: exit ${code}: ${err}`))));
  });
}

export function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function summary(ms: readonly number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const total = ms.reduce((a, b) => a + b, 0);
  return `total ${(total / 1000).toFixed(2)} s, mean ${(total / ms.length).toFixed(2)} ms, p50 ${pct(s, 50).toFixed(2)} ms, p99 ${pct(s, 99).toFixed(2)} ms`;
}
