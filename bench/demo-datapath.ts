// `mvtep demo --no-ui` end to end (3 nodes x 3 NICs, 18 paths), wall clock from Node's start to exit:
// the netdev demo (OVN 26.03, real packets, every cross-node pair pinged and captured on every PF)
// against the baseline dummy demo on 25.03 (the default on a fresh machine) and, to separate the
// datapath's cost from the release's, the dummy demo on 26.03. Interleaved rounds, same machine.
//   node --import tsx bench/demo-datapath.ts [rounds]
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';

const rounds = Number(process.argv[2] ?? 3);
const bin = new URL('../bin/mvtep.js', import.meta.url).pathname;
const variants = [
  { name: 'dummy 25.03 (baseline)', release: '25.03', datapath: 'dummy' },
  { name: 'dummy 26.03', release: '26.03', datapath: 'dummy' },
  { name: 'netdev 26.03', release: '26.03', datapath: 'netdev' },
] as const;

interface Run { readonly wallS: number; readonly code: number; readonly timings: Record<string, number>; readonly wirePaths: number }

function once(release: string, datapath: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, 'demo', '--no-ui', '--json', '--datapath', datapath],
      { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, MVTEP_OVN_RELEASE: release } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      try {
        const j = JSON.parse(out) as { timings: Record<string, number>; wire: { healthy: { paths: { verdict: string }[] } } | null };
        resolve({ wallS, code: code ?? -1, timings: j.timings, wirePaths: j.wire?.healthy.paths.filter((p) => p.verdict === 'wire').length ?? 0 });
      } catch (err) {
        reject(new Error(`demo ${datapath} on ${release} printed no JSON (exit ${code}): ${String(err)}`));
      }
    });
  });
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runs = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
const loads: number[] = [];
for (let i = 0; i < rounds; i++) {
  for (const v of variants) {
    loads.push(loadavg()[0]!);
    const r = await once(v.release, v.datapath);
    if (r.code !== 0) throw new Error(`${v.name}: exit ${r.code}`);
    runs.get(v.name)!.push(r);
  }
}
console.log(`rounds: ${rounds}; 1-min load average at each start: ${loads.map((l) => l.toFixed(1)).join(', ')}`);
const base = median(runs.get(variants[0].name)!.map((r) => r.wallS));
for (const v of variants) {
  const rs = runs.get(v.name)!;
  const walls = rs.map((r) => r.wallS);
  const step = (k: string) => (median(rs.map((r) => r.timings[k] ?? 0)) / 1000).toFixed(1);
  console.log(`${v.name.padEnd(24)} wall median ${median(walls).toFixed(1)} s (min ${Math.min(...walls).toFixed(1)}, max ${Math.max(...walls).toFixed(1)}), `
    + `${(median(walls) / base).toFixed(2)}x baseline; steps (median s): lab ${step('lab')}, underlay ${step('underlay')}, pods ${step('pods')}, `
    + `agent-bindings ${step('agent-bindings')}, verify-trace ${step('verify-trace')}, wire ${step('wire')}, teardown ${step('teardown')}`
    + (v.datapath === 'netdev' ? `; wire paths ${rs.map((r) => r.wirePaths).join('/')} of 18` : ''));
}
