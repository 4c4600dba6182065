// Integration, real packets (26.03 only): the seed on its 3 nodes with `datapath: netdev` and the
// demo's underlay; every pod pings every pod of its traffic class on the other nodes (18 pairs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setupDemo } from '../../src/demo/session.ts';
import type { Lab, PodHandle } from '../../src/lab/index.ts';
import { run } from '../../src/util/exec.ts';
import { netdevRuntime } from './helpers/netdevRuntime.ts';

const seedNetdev = new URL('../../examples/seed-netdev.yaml', import.meta.url).pathname;

/** Ordered pairs of pods of one class (the name without its node suffix: stream-1 -> stream) on different chassis. */
function crossNodePairs(pods: readonly PodHandle[]): [PodHandle, PodHandle][] {
  const cls = (p: PodHandle) => p.name.replace(/-\d+$/, '');
  return pods.flatMap((a) => pods.filter((b) => b.chassis !== a.chassis && cls(b) === cls(a)).map((b): [PodHandle, PodHandle] => [a, b]));
}

/** Every IPv4 address of every chassis -> the MAC of the interface holding it (the VTEP ports). */
async function vtepMacs(lab: Lab): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of Object.values(lab.chassis)) {
    const links = JSON.parse((await run(['ip', '-n', c.netns, '-j', 'addr', 'show'])).stdout) as
      { ifname: string; address?: string; addr_info?: { family: string; local: string }[] }[];
    for (const l of links) for (const a of l.addr_info ?? []) if (a.family === 'inet' && l.address) out.set(a.local, `${c.name}/${l.ifname} ${l.address}`);
  }
  return out;
}

test('netdev seed, 3 nodes: every cross-node pod pair of the same class exchanges packets', async (t) => {
  if (!await netdevRuntime(t)) return;
  const session = await setupDemo({ seedFile: seedNetdev, nodes: 3, log: () => {} });
  try {
    const pairs = crossNodePairs(Object.values(session.lab.pods));
    assert.equal(pairs.length, 18, pairs.map(([a, b]) => `${a.name}->${b.name}`).join(' '));
    let lost = 0;
    for (const [a, b] of pairs) {
      // Ready once one ping got through (OVS drops the packet that resolves a tunnel's next hop), bounded.
      let tries = 0;
      while ((await session.lab.exec(a.name, ['ping', '-c', '1', '-W', '1', b.ip])).code !== 0) {
        assert.ok(++tries < 4, `${a.name} (${a.chassis}) -> ${b.name} ${b.ip} (${b.chassis}): no reply to ${tries} pings`);
      }
      lost += tries;
      // From then on every packet of the pair must arrive.
      const r = await session.lab.exec(a.name, ['ping', '-c', '3', '-i', '0.2', '-W', '2', b.ip]);
      assert.match(r.stdout, /3 packets transmitted, 3 received/, `${a.name} -> ${b.name}: ${r.stdout}${r.stderr}`);
    }
    // Each chassis resolved every peer VTEP to that VTEP's own port: a reply from another NIC of the
    // peer (Linux answers ARP for any local address on any NIC by default) would steer the tunnel there.
    const owners = await vtepMacs(session.lab);
    let resolved = 0;
    for (const c of Object.keys(session.lab.chassis)) {
      const rows = (await session.lab.appctl(c, ['tnl/neigh/show'])).split('\n').map((l) => l.trim().split(/\s+/));
      for (const [ip, mac] of rows.filter((r) => /^192\.0\.2\.\d+$/.test(r[0] ?? '') && /^[0-9a-f:]{17}$/.test(r[1] ?? ''))) {
        const owner = owners.get(ip!);
        assert.ok(owner?.endsWith(` ${mac!}`), `${c} resolved VTEP ${ip} to ${mac}, but it is held by ${owner ?? 'nobody'}`);
        resolved++;
      }
    }
    assert.ok(resolved >= 6, `only ${resolved} resolved tunnel neighbours to check`);
    t.diagnostic(`${pairs.length} pairs, ${lost} pings lost while OVS resolved tunnel neighbours; ${resolved} neighbours on their VTEP's own port`);
  } finally {
    await session.teardown();
  }
});
