// `mvtep ovsdb dump --json` of a 100k-row SB Port_Binding table against the
// C client `ovsdb-client dump -f json`, interleaved in the same run on the
// same ovsdb-server, each a whole process (start to exit) writing its output
// to a file. Optional third row: another build of mvtep (BEFORE=/path/to/tree,
// e.g. a checkout of the previous implementation, run from its bin/mvtep.js).
//
//   node --import tsx bench/ovsdb-dump.ts [ROWS] [ROUNDS]
//
// Needs the OVN runtime and the compiled build (npm run build): the bench
// refuses a stale dist/, as the installed command would not run it.
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPortBindingServer } from './portBindingServer.ts';
import { buildIsCurrent } from '../scripts/source-stamp.mjs';

const ROWS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const DB = 'OVN_Southbound';
const TABLE = 'Port_Binding';
const root = fileURLToPath(new URL('..', import.meta.url));
const before = process.env['BEFORE'];

interface Sample { wallMs: number; maxRssKb: number; bytes: number }

/** Runs argv with stdout to `outFile`; wall time around the process, peak RSS from /usr/bin/time (its own small parent). */
async function measure(argv: string[], outFile: string, timeFile: string): Promise<Sample> {
  const out = await open(outFile, 'w');
  try {
    const t0 = performance.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const c = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...argv], { stdio: ['ignore', out.fd, 'inherit'] });
      c.once('error', reject);
      c.once('close', resolve);
    });
    const wallMs = performance.now() - t0;
    if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code}`);
    const maxRssKb = Number((await readFile(timeFile, 'utf8')).trim().split('\n').at(-1));
    return { wallMs, maxRssKb, bytes: (await stat(outFile)).size };
  } finally {
    await out.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

if (!buildIsCurrent(root)) throw new Error('dist/ is stale or missing: npm run build first');
const dir = await mkdtemp(join(tmpdir(), 'mvtep-bench-dump-'));
const srv = await startPortBindingServer(ROWS);
try {
  const runs: Record<string, string[]> = {
    'mvtep ovsdb dump --json': [process.execPath, join(root, 'bin/mvtep.js'), 'ovsdb', 'dump', '--db', srv.remote, DB, TABLE, '--json'],
    'ovsdb-client dump -f json (C)': [...srv.rt.argv('ovsdb-client'), 'dump', '-f', 'json', srv.remote, DB, TABLE],
  };
  if (before) runs['mvtep before'] = [process.execPath, join(before, 'bin/mvtep.js'), 'ovsdb', 'dump', '--db', srv.remote, DB, TABLE, '--json'];
  const results: Record<string, Sample[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, argv] of Object.entries(runs)) {
      const outFile = join(dir, 'out.json');
      loads.push(loadavg()[0]!);
      results[name]!.push(await measure(argv, outFile, join(dir, 'time.txt')));
      if (round === 0 && name.startsWith('mvtep')) {
        // The output is checked once per tree: rows all there and well-formed.
        const doc = JSON.parse(await readFile(outFile, 'utf8')) as { tables: Record<string, unknown[]> };
        if (doc.tables[TABLE]?.length !== ROWS) throw new Error(`${name} printed ${doc.tables[TABLE]?.length} rows`);
      }
      await rm(outFile, { force: true });
    }
    console.error(`round ${round + 1}/${ROUNDS} done (load ${loadavg()[0]!.toFixed(2)})`);
  }
  const base = median(results['ovsdb-client dump -f json (C)']!.map((s) => s.wallMs));
  const baseRss = median(results['ovsdb-client dump -f json (C)']!.map((s) => s.maxRssKb));
  console.log(`\n${ROWS} ${TABLE} rows, ${ROUNDS} rounds interleaved, medians; 1-min load average ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)} during the run:`);
  console.log('| client | wall time (process start to exit) | min-max | peak RSS (maxrss) | output | time vs C | memory vs C |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, samples] of Object.entries(results)) {
    const wall = median(samples.map((s) => s.wallMs));
    const rss = median(samples.map((s) => s.maxRssKb));
    const w = samples.map((s) => s.wallMs);
    console.log(`| ${name} | ${(wall / 1000).toFixed(2)} s | ${(Math.min(...w) / 1000).toFixed(2)}-${(Math.max(...w) / 1000).toFixed(2)} s | ${(rss / 1024).toFixed(0)} MiB | ${(samples[0]!.bytes / 1e6).toFixed(1)} MB | ${(wall / base).toFixed(2)}x | ${(rss / baseRss).toFixed(2)}x |`);
  }
} finally {
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
}
