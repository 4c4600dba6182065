// Underlay apply cost: `applyNodeSpec` (observe, plan, checks, one OVSDB
// transaction per step with an undo log, awaited taps) against the baseline
// an administrator would script by hand from the seed page: one ovs-vsctl
// call for all bridges/ports/keys and one `ip` call per address/rule/route,
// no checks, no rollback. Same node (real vswitchd in a netns), interleaved.
// Usage: node --import tsx bench/underlay.ts [iterations]
import { parseNodeSpec } from '../src/config/nodeSpec.ts';
import { networkText } from '../src/config/nodeSpecIp.ts';
import { applyNodeSpec, awaitCondition } from '../src/node/underlay/index.ts';
import { run } from '../src/util/exec.ts';
import { startUnderlayEnv } from '../test/node/underlayEnv.ts';

const iterations = Number(process.argv[2] ?? 5);
const spec = parseNodeSpec(`
node: hv1
encapType: geneve
datapathType: netdev
routing: { supernets: [198.51.100.0/24, 203.0.113.0/24], gateway: 192.0.2.254 }
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24, vlan: 25 }
  - { pf: pfb, vtep: vtep1, ip: 192.0.2.2/24, vlan: 25 }
  - { pf: pfc, vtep: vtep2, ip: 192.0.2.3/24, vlan: 25 }
`, { file: 'bench' });

const env = await startUnderlayEnv({ pfs: ['pfa', 'pfb', 'pfc'], gateways: ['192.0.2.254'] });

async function reset(): Promise<void> {
  await env.vsctl(['--', ...spec.nics.flatMap((n) => ['--if-exists', 'del-br', n.bridge, '--']),
    'remove', 'Open_vSwitch', '.', 'external_ids', 'ovn-encap-ip', 'ovn-pf-encap-ip-mapping', 'system-id', 'ovn-encap-type']);
  for (const n of spec.nics) {
    await awaitCondition(`${n.vtep} gone`, async () => (await run(['ip', '-n', env.ns, 'link', 'show', n.vtep], { allowFailure: true })).code !== 0, 30_000);
    await run(['ip', '-n', env.ns, 'rule', 'del', 'pref', String(n.priority)], { allowFailure: true });
    await run(['ip', '-n', env.ns, 'route', 'flush', 'table', String(n.table)], { allowFailure: true });
  }
}

async function scripted(): Promise<void> {
  const args: string[] = [];
  for (const n of spec.nics) {
    args.push('--', 'add-br', n.bridge, '--', 'set', 'Bridge', n.bridge, 'datapath_type=netdev', '--', 'add-port', n.bridge, n.pf,
      '--', 'add-port', n.bridge, n.vtep, `tag=${n.vlan}`, '--', 'set', 'Interface', n.vtep, 'type=internal', `mtu_request=${n.mtu}`);
  }
  args.push('--', 'set', 'Open_vSwitch', '.', `external_ids:ovn-encap-ip=${spec.nics.map((n) => n.ip.address).join(',')}`,
    `external_ids:ovn-pf-encap-ip-mapping=${spec.nics.map((n) => `${n.pf}:${n.ip.address}`).join(',')}`, 'external_ids:system-id=hv1', 'external_ids:ovn-encap-type=geneve');
  await env.vsctl(args);
  const ip = (a: string[]) => run(['ip', '-n', env.ns, ...a]);
  for (const n of spec.nics) {
    await awaitCondition(`${n.vtep} created`, async () => (await run(['ip', '-n', env.ns, 'link', 'show', n.vtep], { allowFailure: true })).code === 0, 30_000);
    await ip(['link', 'set', n.vtep, 'up']);
    await ip(['addr', 'add', `${n.ip.address}/${n.ip.prefixLength}`, 'dev', n.vtep]);
    await ip(['route', 'add', networkText(n.ip), 'dev', n.vtep, 'scope', 'link', 'src', n.ip.address, 'table', String(n.table)]);
    for (const s of spec.supernets) await ip(['route', 'add', networkText(s), 'via', n.gateway!, 'dev', n.vtep, 'table', String(n.table)]);
    await ip(['rule', 'add', 'from', n.ip.address, 'lookup', String(n.table), 'pref', String(n.priority)]);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const times = { baseline: [] as number[], mvtep: [] as number[], noop: [] as number[] };
try {
  for (let i = 0; i < iterations; i++) {
    await reset();
    let t = performance.now();
    await scripted();
    times.baseline.push(performance.now() - t);
    await reset();
    t = performance.now();
    const out = await applyNodeSpec(spec, { ovsdb: env.client, netns: env.ns });
    times.mvtep.push(performance.now() - t);
    if (out.noop) throw new Error('fresh apply did nothing');
    t = performance.now();
    const again = await applyNodeSpec(spec, { ovsdb: env.client, netns: env.ns });
    times.noop.push(performance.now() - t);
    if (!again.noop) throw new Error('second apply was not a no-op');
  }
  const b = median(times.baseline);
  const m = median(times.mvtep);
  console.log(`iterations ${iterations}, 3 NICs (3 bridges, 6 ports, 4 keys, 3 addresses, 9 routes, 3 rules)`);
  console.log(`baseline scripted ovs-vsctl + ip: median ${b.toFixed(0)} ms`);
  console.log(`mvtep applyNodeSpec (fresh):      median ${m.toFixed(0)} ms  (${(m / b).toFixed(2)}x baseline)`);
  console.log(`mvtep applyNodeSpec (no-op):      median ${median(times.noop).toFixed(0)} ms`);
} finally {
  await env.stop();
}
