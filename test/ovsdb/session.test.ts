import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OvsdbClient, OvsdbConnectionError, type MonitorCache, type Row,
} from '../../src/ovsdb/index.ts';
import { run } from '../../src/util/exec.ts';
import { startServer, waitFor, type TestServer } from './server.ts';
import { cacheSnapshot, canonicalRow, dumpSnapshot, loadPortBindings } from './fixtures.ts';

const DB = 'OVN_Southbound';
const TABLES = ['Port_Binding', 'Datapath_Binding', 'Address_Set'];
let srv: TestServer;

before(async () => {
  srv = await startServer({ schemas: ['sb'] });
  const loader = await OvsdbClient.connect(srv.remote);
  try {
    await loadPortBindings(loader, 20_000);
  } finally {
    loader.close();
  }
});
after(async () => {
  await srv?.stop();
});

/** Replays a cache's events into a separate copy: proves no event is lost or wrong. */
function mirror(cache: MonitorCache): Map<string, Map<string, Row>> {
  const m = new Map<string, Map<string, Row>>();
  const t = (name: string) => {
    let x = m.get(name);
    if (!x) m.set(name, (x = new Map()));
    return x;
  };
  cache.on('insert', (table, row) => {
    assert.ok(!t(table).has(row._uuid.value), `insert of a row already present: ${table} ${row._uuid.value}`);
    t(table).set(row._uuid.value, row);
  });
  cache.on('update', (table, row, old) => {
    assert.equal(t(table).get(row._uuid.value), old, 'update carries the previous row');
    t(table).set(row._uuid.value, row);
  });
  cache.on('delete', (table, old) => {
    assert.ok(t(table).delete(old._uuid.value), `delete of an unknown row ${table} ${old._uuid.value}`);
  });
  return m;
}

function mirrorSnapshot(m: Map<string, Map<string, Row>>, tables: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of tables) out[t] = [...(m.get(t)?.values() ?? [])].map((r) => canonicalRow(r)).sort();
  return out;
}

async function offlineTransact(ops: unknown[]): Promise<void> {
  const r = await run([...srv.rt.argv('ovsdb-tool'), 'transact', srv.dbFiles[0]!, JSON.stringify([DB, ...ops])]);
  assert.doesNotMatch(r.stdout, /"error"/);
}

test('kill -9 mid initial dump, offline changes, restart: cache converges, no stale rows, no lost events', async () => {
  const client = await OvsdbClient.connect(srv.remote, { backoffMinMs: 100, backoffMaxMs: 400 });
  const states: string[] = [];
  client.on('connected', () => states.push('connected'));
  client.on('disconnected', () => states.push('disconnected'));
  try {
    const cache = client.monitor(DB, { Port_Binding: true, Datapath_Binding: true, Address_Set: true });
    const m = mirror(cache);
    // The request is on the wire; the server is still serializing 20k rows.
    await new Promise((r) => setImmediate(r));
    assert.equal(cache.isReady, false);
    await srv.kill();
    assert.equal(cache.isReady, false, 'killed before the dump arrived');
    await waitFor('disconnect', () => states.includes('disconnected') || undefined);
    await srv.start();
    await cache.ready;
    const schema = await client.schema(DB);
    assert.deepEqual(cacheSnapshot(cache, TABLES), await dumpSnapshot(srv, schema, TABLES));
    assert.equal(cache.rows('Port_Binding').size, 20_000);

    // While the server is down, the database changes behind the client's back.
    await srv.kill();
    await waitFor('disconnect', () => states.filter((s) => s === 'disconnected').length >= 2 || undefined);
    await offlineTransact([
      { op: 'delete', table: 'Port_Binding', where: [['logical_port', '==', 'lp-5']] },
      { op: 'update', table: 'Port_Binding', where: [['logical_port', '==', 'lp-6']], row: { external_ids: ['map', [['changed', 'offline']]] } },
      { op: 'insert', table: 'Address_Set', row: { name: 'as_offline' } },
    ]);
    const changes: string[] = [];
    cache.on('change', (c) => changes.push(...c.map((x) => `${x.kind} ${x.table} ${String((x.row ?? x.old)!['logical_port'] ?? (x.row ?? x.old)!['name'])}`)));
    await srv.start();
    await waitFor('resync', () => changes.length >= 3 || undefined);
    assert.deepEqual(changes.sort(), ['delete Port_Binding lp-5', 'insert Address_Set as_offline', 'update Port_Binding lp-6']);
    assert.deepEqual(cacheSnapshot(cache, TABLES), await dumpSnapshot(srv, schema, TABLES));
    assert.deepEqual(mirrorSnapshot(m, TABLES), cacheSnapshot(cache, TABLES));
  } finally {
    client.close();
  }
});

test('kill -9 mid transaction: the transact fails with OvsdbConnectionError, then the cache converges', async () => {
  const client = await OvsdbClient.connect(srv.remote, { backoffMinMs: 100, backoffMaxMs: 400 });
  const writer = await OvsdbClient.connect(srv.remote, { reconnect: false });
  try {
    const cache = client.monitor(DB, { Port_Binding: ['logical_port', 'external_ids'], Address_Set: ['name'] });
    const m = mirror(cache);
    await cache.ready;
    const tx = writer.transaction(DB);
    for (let i = 0; i < 3000; i++) tx.insert('Address_Set', { name: `as_tx_${i}`, addresses: ['192.0.2.1'] });
    const outcome = tx.commit().then(() => undefined, (e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    await srv.kill();
    assert.ok(await outcome instanceof OvsdbConnectionError);
    await srv.start();
    const schema = await client.schema(DB);
    const cols = { Port_Binding: ['logical_port', 'external_ids'], Address_Set: ['name'] };
    await waitFor('cache equals dump', async () => {
      if (!client.isConnected || !cache.isReady) return undefined;
      const want = await dumpSnapshot(srv, schema, ['Port_Binding', 'Address_Set'], cols);
      const got = cacheSnapshot(cache, ['Port_Binding', 'Address_Set'], cols);
      return JSON.stringify(want) === JSON.stringify(got) || undefined;
    });
    assert.deepEqual(mirrorSnapshot(m, ['Port_Binding', 'Address_Set']), cacheSnapshot(cache, ['Port_Binding', 'Address_Set']));
  } finally {
    writer.close();
    client.close();
  }
});

test('the cache equals a fresh ovsdb-client dump after concurrent writers', async () => {
  const client = await OvsdbClient.connect(srv.remote);
  const writers = await Promise.all([0, 1, 2].map(() => OvsdbClient.connect(srv.remote)));
  try {
    const cache = client.monitor(DB, { Port_Binding: true, Address_Set: true });
    const m = mirror(cache);
    await cache.ready;
    await Promise.all(writers.map(async (w, wi) => {
      for (let i = 0; i < 60; i++) {
        const tx = w.transaction(DB);
        const lp = [['logical_port', '==', `lp-${(wi * 997 + i * 31) % 20_000}`]] as const;
        if (i % 3 === 0) tx.setMapKeys('Port_Binding', [...lp], 'external_ids', { [`w${wi}`]: String(i) });
        if (i % 3 === 1) tx.deleteMapKeys('Port_Binding', [...lp], 'external_ids', ['mvtep-test']);
        if (i % 3 === 2) tx.update('Port_Binding', [...lp], { up: [i % 2 === 0] });
        tx.insert('Address_Set', { name: `w${wi}_${i}`, addresses: [`198.51.100.${i}`] });
        if (i % 5 === 0) tx.delete('Address_Set', [['name', '==', `w${wi}_${i - 5}`]]);
        await tx.commit();
      }
    }));
    // A last write from the monitoring client itself: its update is in the cache once the reply is.
    const tx = client.transaction(DB);
    tx.insert('Address_Set', { name: 'final' });
    await tx.commit();
    await waitFor('final row', () => cache.find('Address_Set', (r) => r['name'] === 'final').length === 1 || undefined);
    const schema = await client.schema(DB);
    assert.deepEqual(cacheSnapshot(cache, ['Port_Binding', 'Address_Set']), await dumpSnapshot(srv, schema, ['Port_Binding', 'Address_Set']));
    assert.deepEqual(mirrorSnapshot(m, ['Port_Binding', 'Address_Set']), cacheSnapshot(cache, ['Port_Binding', 'Address_Set']));
  } finally {
    for (const w of writers) w.close();
    client.close();
  }
});

test('locks: lock, wait, unlock hands over, steal, re-acquired after reconnect', async () => {
  const a = await OvsdbClient.connect(srv.remote, { backoffMinMs: 100, backoffMaxMs: 400 });
  const b = await OvsdbClient.connect(srv.remote, { backoffMinMs: 100, backoffMaxMs: 400 });
  try {
    const la = a.lock('mvtep_test');
    await la.acquired();
    const lb = b.lock('mvtep_test');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(lb.locked, false, 'second client waits');
    const tx = b.transaction(DB).assert('mvtep_test');
    await assert.rejects(tx.commit(), /not owner/);
    await la.unlock();
    await lb.acquired();
    await b.transaction(DB).assert('mvtep_test').comment('holder').commit();
    // Steal it back.
    const stolen = new Promise<void>((r) => lb.once('stolen', () => r()));
    const ls = a.lock('mvtep_steal_probe');
    await ls.acquired();
    await ls.unlock();
    const la2 = a.lock('mvtep_test', { steal: true });
    await la2.acquired();
    await stolen;
    assert.equal(lb.locked, false);
    // After a server restart the holder re-acquires its lock on its own.
    await srv.kill();
    await srv.start();
    await waitFor('lock re-acquired', () => la2.locked || undefined);
    await a.transaction(DB).assert('mvtep_test').commit();
  } finally {
    a.close();
    b.close();
  }
});

// monitor_cond clauses are ORed (transact `where` clauses are ANDed).
test('monitor_cond conditions, monitor_cond_change and monitor_cancel', async () => {
  const client = await OvsdbClient.connect(srv.remote, { backoffMinMs: 100, backoffMaxMs: 400 });
  try {
    const cache = client.monitor(DB, { Port_Binding: { columns: ['logical_port'], where: [['logical_port', '==', 'lp-1']] } });
    await cache.ready;
    assert.deepEqual([...cache.rows('Port_Binding').values()].map((r) => r['logical_port']), ['lp-1']);
    const seen: string[] = [];
    cache.on('change', (c) => seen.push(...c.map((x) => `${x.kind} ${String((x.row ?? x.old)!['logical_port'])}`)));
    await client.monitorCondChange(cache, { Port_Binding: [['logical_port', '==', 'lp-2'], ['logical_port', '==', 'lp-3']] });
    await waitFor('condition change applied', () => seen.length >= 3 || undefined);
    assert.deepEqual(seen.sort(), ['delete lp-1', 'insert lp-2', 'insert lp-3']);
    // The changed conditions survive a reconnect.
    const reconnected = new Promise((r) => client.once('connected', r));
    await srv.kill();
    await srv.start();
    await reconnected;
    await waitFor('monitor re-established', () => cache.isReady || undefined);
    assert.deepEqual([...cache.rows('Port_Binding').values()].map((r) => r['logical_port']).sort(), ['lp-2', 'lp-3']);
    assert.equal(seen.length, 3, 'the resync found nothing to change');
    cache.close();
    // After monitor_cancel no more updates arrive.
    const tx = client.transaction(DB).setMapKeys('Port_Binding', [['logical_port', '==', 'lp-2']], 'external_ids', { x: 'y' });
    await tx.commit();
    await client.echo();
    assert.equal(seen.length, 3);
  } finally {
    client.close();
  }
});
