// Benchmark: agent reaction time. The agent runs as its own process
// (`mvtep agent`, as in the DaemonSet) on a real ovsdb-server; another
// client inserts representor Interfaces (Interface + Port + Bridge.ports,
// iface-id set, no encap-ip, one transaction each) at RATE per second for
// SECONDS, and watches the Interface table over its own monitor.
//
//   reaction = time from sending the insert to seeing encap-ip committed
//              on that Interface (includes the inserter's own commit and
//              notification delays: an upper bound on the agent's share)
//   baseline = time from sending the insert to seeing the insert itself
//              (the OVSDB round trip floor, same client, same run)
//
//   node --import tsx bench/agent.ts [RATE=200] [SECONDS=30]
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { OvsdbClient } from '../src/ovsdb/index.ts';
import { mapOf } from '../src/observe/index.ts';
import type { FixtureNicSpec } from '../src/sriov/index.ts';
import { startOvs } from '../test/node/agentHarness.ts';
import { plug } from '../test/node/agentTestKit.ts';

const RATE = Number(process.argv[2] ?? 200);
const SECONDS = Number(process.argv[3] ?? 30);
const TOTAL = RATE * SECONDS;
const VFS = 250;
const PFS = Math.ceil(TOTAL / VFS);
const BIN = fileURLToPath(new URL('../bin/mvtep.js', import.meta.url));

const nics: FixtureNicSpec[] = Array.from({ length: PFS }, (_, i) => ({
  pf: `enp${i + 1}s0f0`, pci: `0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`, totalVfs: VFS, numVfs: VFS,
}));
const vtep = (pfIndex: number) => `192.0.2.${(pfIndex % 4) + 1}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(2)} ms, p99 ${pct(s, 99).toFixed(2)} ms, max ${s.at(-1)?.toFixed(2)} ms (n=${s.length})`;
};

console.log(`agent reaction benchmark: ${RATE}/s for ${SECONDS} s = ${TOTAL} representors (${PFS} PFs x ${VFS} VFs)`);
const t0build = performance.now();
const h = await startOvs({
  nics,
  externalIds: {
    'ovn-encap-ip': '192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4',
    'ovn-pf-encap-ip-mapping': nics.map((n, i) => `${n.pf}:${vtep(i)}`).join(','),
  },
});
console.log(`setup (ovsdb-server + fixture sysfs) ${((performance.now() - t0build) / 1000).toFixed(1)} s`);
const port = await freePort();
const agent = spawn(process.execPath, [BIN, 'agent', '--ovsdb', h.remote, '--sysfs', h.sysfs.root, '--listen', `127.0.0.1:${port}`, '--resync', '0'], {
  stdio: ['ignore', 'ignore', 'ignore'],
});
const client = await OvsdbClient.connect(h.remote);
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (i > 600) throw new Error('agent did not become healthy');
    await delay(50);
  }
  const cache = client.monitor('Open_vSwitch', { Interface: ['name', 'external_ids'] });
  await cache.ready;
  const sent = new Map<string, number>();
  const want = new Map<string, string>();
  const seenInsert: number[] = [];
  const reaction: number[] = [];
  const reactionAt: Array<[number, number]> = [];
  const wrong: string[] = [];
  const done = new Set<string>();
  cache.on('change', (changes) => {
    const now = performance.now();
    for (const c of changes) {
      if (c.table !== 'Interface' || !c.row) continue;
      const name = String(c.row['name']);
      const t = sent.get(name);
      if (t === undefined) continue;
      if (c.kind === 'insert') seenInsert.push(now - t);
      const ip = mapOf(c.row['external_ids']).get('encap-ip');
      if (ip !== undefined && !done.has(name)) {
        done.add(name);
        reaction.push(now - t);
        reactionAt.push([t, now - t]);
        if (ip !== want.get(name)) wrong.push(`${name}=${ip}`);
      }
    }
  });
  const order: Array<{ name: string; pf: number }> = [];
  for (let v = 0; v < VFS && order.length < TOTAL; v++) {
    for (let p = 0; p < PFS && order.length < TOTAL; p++) order.push({ name: h.sysfs.nics[p]!.vfs[v]!.representor!, pf: p });
  }
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (const [i, { name, pf }] of order.entries()) {
    const target = start + (i * 1000) / RATE;
    const wait = target - performance.now();
    if (wait > 1) await delay(wait);
    sent.set(name, performance.now());
    want.set(name, vtep(pf));
    inflight.push(plug(client, name, { 'iface-id': `pod-${i}` }));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;
  const deadline = performance.now() + 30_000;
  while (done.size < TOTAL && performance.now() < deadline) await delay(20);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sets = /^mvtep_agent_encap_ip_sets_total (\d+)$/m.exec(metrics)?.[1];
  const txs = /^mvtep_agent_transactions_total (\d+)$/m.exec(metrics)?.[1];
  console.log(`inserted ${TOTAL} in ${elapsed.toFixed(1)} s (${(TOTAL / elapsed).toFixed(0)}/s achieved)`);
  console.log(`baseline insert -> insert visible:      ${fmt(seenInsert)}`);
  console.log(`insert -> encap-ip committed (visible): ${fmt(reaction)}`);
  console.log(`missed: ${TOTAL - done.size}, wrong encap-ip: ${wrong.length}${wrong.length ? ` (${wrong.slice(0, 5).join(', ')})` : ''}`);
  console.log(`agent: ${sets} encap-ip sets in ${txs} transactions`);
  // The agent's own view: OVSDB change seen -> its write committed (no inserter delays).
  // The histogram is in seconds (Prometheus base unit); shown in ms.
  const buckets = [...metrics.matchAll(/^mvtep_agent_reaction_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)]
    .map((m) => `<=${m[1] === '+Inf' ? m[1] : Number(m[1]) * 1000}: ${m[2]}`);
  console.log(`agent-side histogram (ms, cumulative): ${buckets.join(', ')}`);
  // Where the slow ones are: per second of the run, how many exceeded 20 ms.
  const slowBySecond = new Map<number, number>();
  for (const [t, l] of reactionAt) if (l > 20) slowBySecond.set(Math.floor((t - start) / 1000), (slowBySecond.get(Math.floor((t - start) / 1000)) ?? 0) + 1);
  console.log(`> 20 ms by second of the run: ${[...slowBySecond].sort((a, b) => a[0] - b[0]).map(([s2, n]) => `${s2}s:${n}`).join(' ') || 'none'}`);
} finally {
  client.close();
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  await h.down();
}
