// Benchmark: `mvtep verify --sb` on a synthetic Southbound of N chassis x 4
// VTEPs x 110 VIFs, loaded into a real ovsdb-server (big transactions), at
// 250, 500 and 1000 chassis. Measures the whole CLI process (start, monitor
// dump, checks, JSON report) with /usr/bin/time: wall time and peak RSS.
// Also: CLI start-up alone (`mvtep --version`) and the same work in-process
// (gatherState + runChecks + JSON), medians of 3.
// Baseline in the same run: `ovsdb-client --format=json dump` of the whole
// database (the C client fetching and printing the same rows, no model, no
// checks).
//
//   node --import tsx bench/verify-sb.ts [250,500,1000]
import { median, timed, type Timed } from './timed.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireRuntime } from '../src/lab/runtime.ts';
import { OvsdbClient } from '../src/ovsdb/index.ts';
import { startSb } from './sbServer.ts';
import { gatherState } from '../src/observe/index.ts';
import { makeReport, runChecks } from '../src/verify/index.ts';

const SIZES = (process.argv[2] ?? '250,500,1000').split(',').map(Number);
const VTEPS = 4;
const VIFS = 110;
const REPEAT = 3;

/** Pod overlay address (only used in Port_Binding.mac). */
function ip4(n: number): string {
  return `203.0.113.${n % 250}`;
}

/** Encap IPs must be unique per (type, ip): use IPv6 from 2001:db8::/32 for scale. */
function vtepIp(chassis: number, k: number): string {
  return `2001:db8:${(chassis >> 8).toString(16)}:${(chassis & 0xff).toString(16)}::${k + 1}`;
}

async function load(client: OvsdbClient, n: number): Promise<void> {
  const BATCH = 25;
  for (let start = 0; start < n; start += BATCH) {
    const ops: unknown[] = [];
    for (let c = start; c < Math.min(n, start + BATCH); c++) {
      const name = `chassis-${c}`;
      const encaps: string[] = [];
      for (let k = 0; k < VTEPS; k++) {
        const id = `e${c}_${k}`;
        encaps.push(id);
        ops.push({ op: 'insert', table: 'Encap', 'uuid-name': id,
          row: { type: 'geneve', ip: vtepIp(c, k), chassis_name: name, options: ['map', [['csum', 'true']]] } });
      }
      ops.push({ op: 'insert', table: 'Chassis', 'uuid-name': `c${c}`,
        row: { name, hostname: name, encaps: ['set', encaps.map((e) => ['named-uuid', e])] } });
      ops.push({ op: 'insert', table: 'Datapath_Binding', 'uuid-name': `d${c}`, row: { tunnel_key: c + 1 } });
      for (let v = 0; v < VIFS; v++) {
        // 90% pinned to one of the chassis' VTEPs, 10% without encap (-> remote-vtep-unpinned).
        const pinned = v % 10 !== 0;
        ops.push({ op: 'insert', table: 'Port_Binding', row: {
          logical_port: `pod-${c}-${v}`, type: '', datapath: ['named-uuid', `d${c}`], tunnel_key: v + 1,
          chassis: ['named-uuid', `c${c}`], ...(pinned ? { encap: ['named-uuid', `e${c}_${v % VTEPS}`] } : {}),
          mac: `0a:58:00:00:00:01 ${ip4(v)}`,
        } });
      }
    }
    await client.transact('OVN_Southbound', ops as never);
  }
}

async function main(): Promise<void> {
  const rt = await requireRuntime();
  const rows: string[] = [];
  for (const n of SIZES) {
    const dir = await mkdtemp(join(tmpdir(), 'mvb-'));
    const sb = await startSb(rt, dir);
    const sock = sb.remote.slice('unix:'.length);
    const client = sb.client;
    try {
      const t0 = Date.now();
      await load(client, n);
      client.close();
      const loadS = (Date.now() - t0) / 1000;
      const verify: Timed[] = [];
      const base: Timed[] = [];
      const startup: Timed[] = [];
      const inProc: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        startup.push(await timed([process.execPath, 'bin/mvtep.js', '--version']));
        const t1 = performance.now();
        const state = await gatherState({ sb: `unix:${sock}`, ovnVersion: '25.03.0' });
        JSON.stringify(makeReport(state, runChecks(state)));
        inProc.push((performance.now() - t1) / 1000);
        base.push(await timed([...rt.argv('ovsdb-client'), '--format=json', 'dump', `unix:${sock}`, 'OVN_Southbound']));
        verify.push(await timed([process.execPath, 'bin/mvtep.js', 'verify', '--sb', `unix:${sock}`, '--ovn-version', '25.03.0', '--json']));
      }
      if (base.some((x) => x.code !== 0)) throw new Error('baseline ovsdb-client dump failed');
      const med = median;
      const v = med(verify);
      const b = med(base);
      // The 10% unpinned VIFs give one remote-vtep-unpinned warning per chassis, no errors: exit 0.
      if (v.code !== 0) throw new Error(`verify exited ${v.code}, expected 0`);
      if (v.stdoutBytes < n * 100) throw new Error(`verify printed only ${v.stdoutBytes} bytes for ${n} chassis`);
      const st = med(startup);
      const ip = [...inProc].sort((a, c) => a - c)[Math.floor(inProc.length / 2)]!;
      rows.push(`| ${n} | ${n * VTEPS} | ${n * VIFS} | ${loadS.toFixed(1)} | ${v.seconds.toFixed(2)} | ${(Math.max(...verify.map((x) => x.maxRssKb)) / 1024).toFixed(0)} | ${st.seconds.toFixed(2)} | ${ip.toFixed(2)} | ${b.seconds.toFixed(2)} | ${(v.seconds / b.seconds).toFixed(2)} |`);
      console.error(rows.at(-1));
    } finally {
      await sb.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log('| chassis | Encap rows | Port_Binding rows | load (s) | `mvtep verify --sb` total (s) | its peak RSS (MiB) | of which CLI start-up (`mvtep --version`, s) | gather + checks + JSON in-process (s) | baseline `ovsdb-client dump` (s) | verify / baseline |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
