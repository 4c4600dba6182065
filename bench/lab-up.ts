// Lab start-up time: `examples/seed.yaml` (3 chassis x 3 NICs, 9 pods, VLAN
// fabric) against the baseline "one chassis, no pods" (the fixed cost of
// central daemons + one chassis), same run, same machine. Target: seed < 60 s.
//   node --import tsx bench/lab-up.ts [rounds]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, parseScenario, startLab, type Scenario } from '../src/lab/index.ts';
import { requireRuntime } from '../src/lab/runtime.ts';

const rounds = Number(process.argv[2] ?? 3);
const runtime = await requireRuntime();
const baseline = parseScenario(`
name: baseline
chassis:
  - name: hv1
    encapIps: [192.0.2.11]
    nics: [{ pf: enp1s0f0 }]
`, 'baseline');
const seed = await loadScenario(new URL('../examples/seed.yaml', import.meta.url).pathname);
const root = await mkdtemp(join(tmpdir(), 'mvtep-bench-'));

async function once(s: Scenario): Promise<{ up: number; down: number }> {
  const t0 = performance.now();
  const lab = await startLab(s, { runtime, workRoot: root, handleSignals: false });
  const t1 = performance.now();
  await lab.down();
  return { up: t1 - t0, down: performance.now() - t1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, { up: number[]; down: number[] }> = { baseline: { up: [], down: [] }, seed: { up: [], down: [] } };
try {
  for (let i = 0; i < rounds; i++) {
    // Interleaved, so machine load affects both alike.
    for (const [name, s] of [['baseline', baseline], ['seed', seed]] as const) {
      const r = await once(s);
      results[name]!.up.push(r.up);
      results[name]!.down.push(r.down);
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
const b = median(results['baseline']!.up);
const sd = median(results['seed']!.up);
console.log(`rounds: ${rounds}`);
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(8)} up median ${(median(r.up) / 1000).toFixed(2)} s (min ${(Math.min(...r.up) / 1000).toFixed(2)}, max ${(Math.max(...r.up) / 1000).toFixed(2)}), down median ${(median(r.down) / 1000).toFixed(2)} s`);
}
console.log(`seed / baseline: ${(sd / b).toFixed(2)}x; target seed < 60 s: ${sd < 60_000 ? 'met' : 'MISSED'}`);
