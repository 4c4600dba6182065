// One measured client run for bench/ovsdb-monitor.ts: connect, monitor
// every column of a table, wait for the initial dump, print a JSON result.
import { readFileSync } from 'node:fs';
import { OvsdbClient } from '../src/ovsdb/index.ts';

// With --select: read the table with one select (the server path of ovsdb-client dump).
const [remote, db, table, mode] = process.argv.slice(2);
if (!remote || !db || !table) {
  console.error('usage: ovsdb-monitor-child.ts REMOTE DATABASE TABLE [--select]');
  process.exit(2);
}
const t0 = performance.now();
const client = await OvsdbClient.connect(remote, { reconnect: false });
let rows: number;
if (mode === '--select') {
  const tx = client.transaction(db);
  const sel = tx.select(table, []);
  await tx.commit();
  rows = sel.rows.length;
} else {
  const cache = client.monitor(db, { [table]: true });
  await cache.ready;
  rows = cache.rows(table).size;
}
const ms = performance.now() - t0;
client.close();
// VmHWM: this address space's peak (getrusage's maxrss includes the forking parent's).
const hwmKb = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
console.log(JSON.stringify({ ms, rows, hwmKb }));
