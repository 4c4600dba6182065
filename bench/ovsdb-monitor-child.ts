// One measured client run for bench/ovsdb-monitor.ts: connect, monitor
// every column of a table, wait for the initial dump, print a JSON result.
import { OvsdbClient } from '../src/ovsdb/index.ts';

const [remote, db, table] = process.argv.slice(2);
if (!remote || !db || !table) {
  console.error('usage: ovsdb-monitor-child.ts REMOTE DATABASE TABLE');
  process.exit(2);
}
const t0 = performance.now();
const client = await OvsdbClient.connect(remote, { reconnect: false });
const cache = client.monitor(db, { [table]: true });
await cache.ready;
const ms = performance.now() - t0;
const rows = cache.rows(table).size;
client.close();
console.log(JSON.stringify({ ms, rows, maxRssKb: process.resourceUsage().maxRSS }));
