// Initial monitor of a 100k-row SB Port_Binding table from a real
// ovsdb-server: mvtep's client vs ovsdb-client (C: monitor and dump) vs the
// OVS Python IDL, interleaved in the same run on the same database.
//
//   node --import tsx bench/ovsdb-monitor.ts [ROWS] [ROUNDS]
//
// Needs the OVN runtime and, for the Python IDL, Debian's python3-openvswitch
// (skipped with a note when missing). Peak RSS is the process's VmHWM.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPortBindingServer } from './portBindingServer.ts';

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

async function vmHwmKb(pid: number): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /^VmHWM:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Runs argv, sampling its peak RSS (VmHWM, per address space, so it is not
 * inherited from this process across fork+exec as getrusage's maxrss is).
 * `stopWhen` (given stdout so far) ends a program that would run forever
 * (ovsdb-client monitor) once it has printed enough.
 */
function measure(argv: string[], opts: { stopWhen?: (out: string) => boolean } = {}): Promise<{ sample: Sample; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let wallMs: number | undefined;
    let peak = 0;
    const poll = setInterval(() => {
      void vmHwmKb(c.pid!).then((kb) => {
        if (kb !== undefined) peak = Math.max(peak, kb);
      });
    }, 10);
    c.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (opts.stopWhen && wallMs === undefined && opts.stopWhen(out)) {
        wallMs = performance.now() - t0;
        void vmHwmKb(c.pid!).then((kb) => {
          if (kb !== undefined) peak = Math.max(peak, kb);
          c.kill('SIGTERM');
        });
      }
    });
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.once('error', reject);
    c.once('close', (code) => {
      clearInterval(poll);
      if (code !== 0 && !opts.stopWhen) {
        reject(new Error(`${argv.join(' ')} failed (${code}): ${err.slice(-500)}`));
        return;
      }
      resolve({ sample: { wallMs: wallMs ?? performance.now() - t0, maxRssKb: peak }, stdout: out });
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

const srv = await startPortBindingServer(ROWS);
try {
  const py = await hasPythonIdl();
  if (!py) console.error('python3-openvswitch not installed: Python IDL skipped');

  const results: Record<string, Sample[]> = {
    'mvtep monitor': [], 'ovsdb-client monitor': [], 'python idl': [], 'mvtep select': [], 'ovsdb-client dump': [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    {
      const { sample, stdout } = await measure([process.execPath, '--import', 'tsx', join(here, 'ovsdb-monitor-child.ts'), srv.remote, DB, TABLE]);
      const r = JSON.parse(stdout) as { ms: number; rows: number; hwmKb: number };
      if (r.rows !== ROWS) throw new Error(`mvtep saw ${r.rows} rows`);
      results['mvtep monitor']!.push({ ...sample, maxRssKb: Math.max(sample.maxRssKb, r.hwmKb), inProcessMs: r.ms, rows: r.rows });
    }
    {
      // JSON format prints each update as one line; stdbuf -oL makes that line
      // leave stdio's buffer at once (one flush for the whole initial dump).
      // The monitor never exits by itself: it is stopped once the line is out.
      const { sample } = await measure(['/usr/bin/stdbuf', '-oL', ...srv.rt.argv('ovsdb-client'), 'monitor', srv.remote, DB, TABLE, '--format=json'],
        { stopWhen: (out) => out.endsWith('\n') });
      results['ovsdb-client monitor']!.push(sample);
    }
    {
      const { sample, stdout } = await measure([process.execPath, '--import', 'tsx', join(here, 'ovsdb-monitor-child.ts'), srv.remote, DB, TABLE, '--select']);
      const r = JSON.parse(stdout) as { ms: number; rows: number; hwmKb: number };
      if (r.rows !== ROWS) throw new Error(`mvtep select saw ${r.rows} rows`);
      results['mvtep select']!.push({ ...sample, maxRssKb: Math.max(sample.maxRssKb, r.hwmKb), inProcessMs: r.ms, rows: r.rows });
    }
    {
      const { sample, stdout } = await measure([...srv.rt.argv('ovsdb-client'), 'dump', '--format=csv', srv.remote, DB, TABLE]);
      if (stdout.split('\n').length < ROWS) throw new Error('short dump');
      results['ovsdb-client dump']!.push(sample);
    }
    if (py) {
      const { sample, stdout } = await measure(['/usr/bin/python3', join(here, 'ovsdb_idl_child.py'), srv.remote, srv.rt.schemas.sb, TABLE]);
      const r = JSON.parse(stdout) as { ms: number; rows: number; hwmKb: number };
      if (r.rows !== ROWS) throw new Error(`python idl saw ${r.rows} rows`);
      results['python idl']!.push({ ...sample, maxRssKb: Math.max(sample.maxRssKb, r.hwmKb), inProcessMs: r.ms, rows: r.rows });
    }
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }
  const cMonitor = median(results['ovsdb-client monitor']!.map((s) => s.wallMs));
  const cDump = median(results['ovsdb-client dump']!.map((s) => s.wallMs));
  console.log(`\n${ROWS} ${TABLE} rows, ${ROUNDS} rounds, medians:`);
  console.log('| client | wall time (process) | in-process (connect -> rows decoded) | peak RSS | wall vs the C client on the same server path |');
  console.log('|---|---|---|---|---|');
  for (const [name, samples] of Object.entries(results)) {
    if (samples.length === 0) continue;
    const wall = median(samples.map((s) => s.wallMs));
    const inp = samples[0]!.inProcessMs === undefined ? '-' : `${median(samples.map((s) => s.inProcessMs!)).toFixed(0)} ms`;
    const base = name.includes('select') || name.includes('dump') ? cDump : cMonitor;
    console.log(`| ${name} | ${wall.toFixed(0)} ms | ${inp} | ${(median(samples.map((s) => s.maxRssKb)) / 1024).toFixed(0)} MiB | ${(wall / base).toFixed(2)}x |`);
  }
} finally {
  await srv.stop();
}
