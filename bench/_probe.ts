// scratch: time to first/last byte of one request on a raw socket (not committed)
import { connect } from 'node:net';
import { OvsdbClient } from '../src/ovsdb/index.ts';
import { startServer } from '../test/ovsdb/server.ts';
import { loadPortBindings } from '../test/ovsdb/fixtures.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const srv = await startServer({ schemas: ['sb'] });
try {
  const c = await OvsdbClient.connect(srv.remote);
  await loadPortBindings(c, ROWS, { batch: 10_000 });
  const schema = await c.schema('OVN_Southbound');
  c.close();
  const cols = [...schema.tables.get('Port_Binding')!.columns.keys()].filter((x) => x !== '_uuid' && x !== '_version');
  const reqs: Record<string, unknown> = {
    select: { method: 'transact', params: ['OVN_Southbound', { op: 'select', table: 'Port_Binding', where: [], columns: ['_uuid', ...cols] }], id: 1 },
    monitor: { method: 'monitor', params: ['OVN_Southbound', 'm', { Port_Binding: [{ columns: cols }] }], id: 1 },
    monitor_cond: { method: 'monitor_cond', params: ['OVN_Southbound', 'm', { Port_Binding: [{ columns: cols }] }], id: 1 },
    monitor_cond_since: { method: 'monitor_cond_since', params: ['OVN_Southbound', 'm', { Port_Binding: [{ columns: cols }] }, '00000000-0000-0000-0000-000000000000'], id: 1 },
  };
  for (let round = 0; round < 3; round++) {
    for (const [name, req] of Object.entries(reqs)) {
      const r = await new Promise<{ first: number; last: number; bytes: number }>((resolve) => {
        const s = connect({ path: srv.sock });
        let t0 = 0, first = 0, bytes = 0, depth = 0, inStr = false, esc = false;
        s.on('connect', () => { t0 = performance.now(); s.write(JSON.stringify(req)); });
        s.on('data', (b: Buffer) => {
          if (!first) first = performance.now() - t0;
          bytes += b.length;
          // crude end detection: reply ends with '}' and balanced; count braces outside strings ignoring escapes
                    for (const x of b) { if (inStr) { if (esc) esc = false; else if (x === 92) esc = true; else if (x === 34) inStr = false; } else if (x === 34) inStr = true; else if (x === 123 || x === 91) depth++; else if (x === 125 || x === 93) depth--; }
          if (depth === 0) { const last = performance.now() - t0; s.destroy(); resolve({ first, last, bytes }); }
        });
      });
      console.log(`${round} ${name}: first ${r.first.toFixed(0)} ms, last ${r.last.toFixed(0)} ms, ${(r.bytes / 1e6).toFixed(1)} MB`);
    }
  }
} finally {
  await srv.stop();
}
