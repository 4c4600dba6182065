// Benchmark: how long the installed command takes to start, against Node
// itself. Each command is run RUNS times as its own process (spawn to exit,
// stdout discarded), the commands interleaved round by round so a busy
// moment of the machine hits all of them alike.
//
//   baseline: node -e 0
//   mvtep:    node bin/mvtep.js --version, node bin/mvtep.js verify --help,
//             node bin/mvtep.js attach --help (the CNI command's module)
//
// The compiled build must be current (`npm run build`): bin/mvtep.js falls
// back to compiling the sources through tsx otherwise, which is not what is
// installed.
//
//   node --import tsx bench/cli-startup.ts [RUNS=20]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildIsCurrent } from '../scripts/source-stamp.mjs';
import { mean, pct } from './attachFixture.ts';

const RUNS = Number(process.argv[2] ?? 20);
const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/mvtep.js', import.meta.url));
if (!buildIsCurrent(root, {})) throw new Error('dist/ is missing or older than src/: run `npm run build` first');

const commands: { label: string; argv: string[] }[] = [
  { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  { label: 'mvtep --version', argv: [process.execPath, BIN, '--version'] },
  { label: 'mvtep verify --help', argv: [process.execPath, BIN, 'verify', '--help'] },
  { label: 'mvtep attach --help', argv: [process.execPath, BIN, 'attach', '--help'] },
];

function once(argv: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MVTEP_FROM_SOURCE: '' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

const times = commands.map(() => [] as number[]);
// One untimed round first: the file cache warm for every command alike.
for (const c of commands) once(c.argv);
for (let r = 0; r < RUNS; r++) commands.forEach((c, i) => times[i]!.push(once(c.argv)));

const base = [...times[0]!].sort((a, b) => a - b);
console.log(`CLI start-up: ${RUNS} runs each, interleaved (spawn to exit)`);
console.log('command                  median     mean      min    median/node  min/node');
commands.forEach((c, i) => {
  const s = [...times[i]!].sort((a, b) => a - b);
  console.log(`${c.label.padEnd(22)} ${pct(s, 50).toFixed(1).padStart(7)} ms ${mean(s).toFixed(1).padStart(7)} ms ${s[0]!.toFixed(1).padStart(7)} ms ` +
    `${(pct(s, 50) / pct(base, 50)).toFixed(2).padStart(9)}x ${(s[0]! / base[0]!).toFixed(2).padStart(8)}x`);
});
