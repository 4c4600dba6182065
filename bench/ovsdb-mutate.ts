// 10k single-key external_ids changes on the Open_vSwitch row of a real
// ovsdb-server: mvtep's client (sequential and pipelined, each change one
// transaction with one mutate: delete the key, insert the pair) vs one
// `ovs-vsctl set Open_vSwitch . external_ids:KEY=VALUE` process per change.
// ovs-vsctl is measured on a sample and scaled (a process per change for
// all 10k would take minutes); the scale factor is printed.
//
//   node --import tsx bench/ovsdb-mutate.ts [CHANGES] [VSCTL_SAMPLE] [ROUNDS]
import { OvsdbClient } from '../src/ovsdb/index.ts';
import { run } from '../src/util/exec.ts';
import { startServer } from '../test/ovsdb/server.ts';

const N = Number(process.argv[2] ?? 10_000);
const SAMPLE = Number(process.argv[3] ?? 300);
const ROUNDS = Number(process.argv[4] ?? 2);
const PIPELINE_WINDOW = 1000;
const DB = 'Open_vSwitch';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const srv = await startServer();
const client = await OvsdbClient.connect(srv.remote);
try {
  const init = client.transaction(DB);
  init.insert('Open_vSwitch', { external_ids: { 'system-id': 'bench' } });
  await init.commit();

  const change = (i: number, tag: string) => client.transaction(DB)
    .setMapKeys('Open_vSwitch', [], 'external_ids', { [`${tag}${i % 100}`]: `v${i}` });

  const res: Record<string, number[]> = { 'mvtep sequential': [], 'mvtep pipelined': [], 'ovs-vsctl (scaled)': [] };
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    for (let i = 0; i < SAMPLE; i++) {
      await run([...srv.rt.argv('ovs-vsctl'), `--db=${srv.remote}`, '--no-wait', 'set', 'Open_vSwitch', '.', `external_ids:c${i % 100}=v${i}`]);
    }
    res['ovs-vsctl (scaled)']!.push(((performance.now() - t0) / SAMPLE) * N);

    t0 = performance.now();
    for (let i = 0; i < N; i++) await change(i, 's').commit();
    res['mvtep sequential']!.push(performance.now() - t0);

    t0 = performance.now();
    const inFlight = new Set<Promise<unknown>>();
    for (let i = 0; i < N; i++) {
      const p: Promise<unknown> = change(i, 'p').commit().then(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= PIPELINE_WINDOW) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    res['mvtep pipelined']!.push(performance.now() - t0);
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }
  // The writes really landed: last values of each key, others' keys untouched.
  const sel = client.transaction(DB);
  const s = sel.select('Open_vSwitch', [], ['external_ids']);
  await sel.commit();
  const ids = s.rows[0]!['external_ids'] as Map<string, string>;
  if (ids.get('system-id') !== 'bench' || ids.get('s99') !== `v${N - 1}` || ids.get('p99') !== `v${N - 1}` || ids.size !== 301) {
    throw new Error(`unexpected final external_ids (${ids.size} keys)`);
  }
  const vsctl = median(res['ovs-vsctl (scaled)']!);
  console.log(`\n${N} single-key external_ids changes, ${ROUNDS} rounds (ovs-vsctl: ${SAMPLE} changes per round, x${(N / SAMPLE).toFixed(1)}), medians:`);
  console.log('| writer | total | per change | speed-up vs ovs-vsctl |');
  console.log('|---|---|---|---|');
  for (const [name, xs] of Object.entries(res)) {
    const t = median(xs);
    console.log(`| ${name} | ${(t / 1000).toFixed(2)} s | ${((t * 1000) / N).toFixed(0)} us | ${(vsctl / t).toFixed(1)}x |`);
  }
} finally {
  client.close();
  await srv.stop();
}
