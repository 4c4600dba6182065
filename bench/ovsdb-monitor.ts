// Initial monitor of a 100k-row SB Port_Binding table from a real
// ovsdb-server: mvtep's client vs ovsdb-client (C: monitor and dump) vs the
// OVS Python IDL, interleaved in the same run on the same database.
//
//   node --import tsx bench/ovsdb-monitor.ts [ROWS] [ROUNDS]
//
// Needs the OVN runtime and, for the Python IDL, Debian's python3-openvswitch
// (skipped with a note when missing). Peak RSS comes from GNU time (%M).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OvsdbClient } from '../src/ovsdb/index.ts';
import { startServer } from '../test/ovsdb/server.ts';
import { loadPortBindings } from '../test/ovsdb/fixtures.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const DB = 'OVN_Southbound';
const TABLE = 'Port_Binding';
const here = fileURLToPath(new URL('.', import.meta.url));

interface Sample {
  wallMs: number;
  inProcessMs?: number;
  maxRssKb: number;
  rows?: number;
}

/**
 * Runs argv under GNU time. `stopWhen` (given stdout so far) ends a program
 * that would run forever (ovsdb-client monitor) once it has printed enough.
 */
function measure(argv: string[], opts: { env?: NodeJS.ProcessEnv; stopWhen?: (out: string) => boolean } = {}): Promise<{ sample: Sample; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn('/usr/bin/time', ['-f', 'MAXRSS %M', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let out = '';
    let err = '';
    let wallMs: number | undefined;
    let checked = 0;
    c.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (opts.stopWhen && wallMs === undefined && out.length - checked > 0) {
        checked = out.length;
        if (opts.stopWhen(out)) {
          wallMs = performance.now() - t0;
          // GNU time's child is the measured program: stop it, time still reports.
          void readFile(`/proc/${c.pid}/task/${c.pid}/children`, 'utf8').then((kids) => {
            for (const pid of kids.trim().split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGTERM');
          });
        }
      }
    });
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.once('error', reject);
    c.once('close', (code) => {
      const rss = /MAXRSS (\d+)/.exec(err);
      if (!rss || (code !== 0 && !opts.stopWhen)) {
        reject(new Error(`${argv.join(' ')} failed (${code}): ${err.slice(-500)}`));
        return;
      }
      resolve({ sample: { wallMs: wallMs ?? performance.now() - t0, maxRssKb: Number(rss[1]) }, stdout: out });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function hasPythonIdl(): Promise<boolean> {
  return new Promise((resolve) => {
    const c = spawn('/usr/bin/python3', ['-c', 'import ovs.db.idl'], { stdio: 'ignore' });
    c.once('error', () => resolve(false));
    c.once('close', (code) => resolve(code === 0));
  });
}

const srv = await startServer({ schemas: ['sb'] });
try {
  const loader = await OvsdbClient.connect(srv.remote);
  const tLoad = performance.now();
  await loadPortBindings(loader, ROWS, { batch: 10_000 });
  loader.close();
  console.error(`loaded ${ROWS} ${TABLE} rows in ${((performance.now() - tLoad) / 1000).toFixed(1)} s`);
  const py = await hasPythonIdl();
  if (!py) console.error('python3-openvswitch not installed: Python IDL skipped');
  const columns = (await readFile(srv.rt.schemas.sb, 'utf8')).length > 0;
  void columns;

  const results: Record<string, Sample[]> = { mvtep: [], 'ovsdb-client monitor': [], 'ovsdb-client dump': [], 'python idl': [] };
  for (let round = 0; round < ROUNDS; round++) {
    {
      const { sample, stdout } = await measure([process.execPath, '--import', 'tsx', join(here, 'ovsdb-monitor-child.ts'), srv.remote, DB, TABLE]);
      const r = JSON.parse(stdout) as { ms: number; rows: number };
      if (r.rows !== ROWS + 0) throw new Error(`mvtep saw ${r.rows} rows`);
      results['mvtep']!.push({ ...sample, inProcessMs: r.ms, rows: r.rows });
    }
    {
      // CSV: one line per row after two heading lines; stop once all rows are printed.
      const { sample } = await measure([...srv.rt.argv('ovsdb-client'), 'monitor', srv.remote, DB, TABLE, '--format=csv'],
        { stopWhen: (out) => out.split('\n').length - 1 >= ROWS + 2 });
      results['ovsdb-client monitor']!.push(sample);
    }
    {
      const { sample, stdout } = await measure([...srv.rt.argv('ovsdb-client'), 'dump', '--format=csv', srv.remote, DB, TABLE]);
      if (stdout.split('\n').length < ROWS) throw new Error('short dump');
      results['ovsdb-client dump']!.push(sample);
    }
    if (py) {
      const { sample, stdout } = await measure(['/usr/bin/python3', join(here, 'ovsdb_idl_child.py'), srv.remote, srv.rt.schemas.sb, TABLE]);
      const r = JSON.parse(stdout) as { ms: number; rows: number };
      if (r.rows !== ROWS) throw new Error(`python idl saw ${r.rows} rows`);
      results['python idl']!.push({ ...sample, inProcessMs: r.ms, rows: r.rows });
    }
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }
  const c = median(results['ovsdb-client monitor']!.map((s) => s.wallMs));
  console.log(`\n${ROWS} ${TABLE} rows, ${ROUNDS} rounds, medians:`);
  console.log('| client | wall time (process) | in-process (connect -> cache ready) | peak RSS | wall vs C monitor |');
  console.log('|---|---|---|---|---|');
  for (const [name, samples] of Object.entries(results)) {
    if (samples.length === 0) continue;
    const wall = median(samples.map((s) => s.wallMs));
    const inp = samples[0]!.inProcessMs === undefined ? '-' : `${median(samples.map((s) => s.inProcessMs!)).toFixed(0)} ms`;
    console.log(`| ${name} | ${wall.toFixed(0)} ms | ${inp} | ${(median(samples.map((s) => s.maxRssKb)) / 1024).toFixed(0)} MiB | ${(wall / c).toFixed(2)}x |`);
  }
} finally {
  await srv.stop();
}
