// The netdev lab's packet rate for one pod pair, single flow (issue 11, a sanity figure): flood
// ping (`ping -f`, one echo request in flight, the next sent when the reply arrives) from
// stream-1 on hv1 through the geneve tunnels (hv1's streaming VTEP -> hv2's, tagged VLAN 25 on the
// lab fabric) to stream-2, against the baseline in the same run: the same pod to a pod on the
// same node and logical switch (br-int to br-int, no tunnel). Interleaved rounds, OVN 26.03.
//   MVTEP_OVN_RELEASE=26.03 node --import tsx bench/wire-pps.ts [rounds] [requests]
import { loadavg } from 'node:os';
import { setupDemo } from '../src/demo/session.ts';

const rounds = Number(process.argv[2] ?? 5);
const requests = Number(process.argv[3] ?? 5000);
const seed = new URL('../examples/seed-netdev.yaml', import.meta.url).pathname;

const load0 = loadavg().map((x) => x.toFixed(2)).join(' ');
const session = await setupDemo({ seedFile: seed, nodes: 2, log: () => {} });
try {
  const lab = session.lab;
  // The baseline's peer: a second streaming pod on hv1 (VF 1 of the same PF, same logical switch).
  const local = await lab.addPod({ name: 'stream-1b', chassis: 'hv1', pf: 'enp2s0f0', vf: 1, switch: 'ls-stream', ip: '203.0.113.81' });
  await lab.waitForBindings();
  const targets = [{ name: 'same node, no tunnel (baseline)', ip: local.ip }, { name: 'across the tunnel (hv1 -> hv2)', ip: lab.pods['stream-2']!.ip }];
  // Warm-up: ARP and the tunnel's next hop resolved before anything is timed.
  for (const t of targets) await lab.exec('stream-1', ['ping', '-c', '3', '-i', '0.2', '-W', '1', t.ip], 10_000);
  const pps = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const lost = new Map<string, number>(targets.map((t) => [t.name, 0]));
  for (let r = 0; r < rounds; r++) {
    for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
      const out = (await lab.exec('stream-1', ['ping', '-f', '-q', '-c', String(requests), '-W', '1', t.ip], 120_000)).stdout;
      const m = /(\d+) packets transmitted, (\d+) received.*time (\d+)ms/s.exec(out);
      if (!m) throw new Error(`ping printed no summary: ${out}`);
      pps.get(t.name)!.push(Number(m[2]) / (Number(m[3]) / 1000));
      lost.set(t.name, lost.get(t.name)! + Number(m[1]) - Number(m[2]));
    }
  }
  const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(pps.get(targets[0]!.name)!);
  console.log(`ping -f -c ${requests}, ${rounds} rounds interleaved; load average at start ${load0}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const t of targets) {
    const xs = pps.get(t.name)!;
    console.log(`${t.name.padEnd(34)} median ${median(xs).toFixed(0)} round trips/s (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}), ${(median(xs) / base).toFixed(2)}x, ${lost.get(t.name)} lost`);
  }
} finally {
  await session.teardown();
}
