import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NamedUuid, OvsdbCancelledError, OvsdbClient, OvsdbTimeoutError, OvsdbTransactionError, Uuid,
  type Row, type RowChange,
} from '../../src/ovsdb/index.ts';
import { startServer, type TestServer } from './server.ts';
import { canonicalRow, dumpSnapshot } from './fixtures.ts';

let srv: TestServer;
let client: OvsdbClient;
const DB = 'Open_vSwitch';

before(async () => {
  srv = await startServer();
  client = await OvsdbClient.connect(srv.remote);
  const tx = client.transaction(DB);
  tx.insert('Open_vSwitch', {});
  await tx.commit();
});
after(async () => {
  client?.close();
  await srv?.stop();
});

function ext(row: Row | undefined): Record<string, unknown> {
  return Object.fromEntries((row?.['external_ids'] as Map<string, string> | undefined) ?? []);
}

test('list_dbs and get_schema', async () => {
  assert.deepEqual((await client.listDbs()).sort(), ['Open_vSwitch', '_Server']);
  const s = await client.schema(DB);
  assert.equal(s.name, DB);
  assert.ok(s.tables.has('Interface'));
  assert.equal(await client.schema(DB), s, 'schema is cached');
});

test('raw transact: insert with named UUIDs, select, update, mutate, delete, comment, commit', async () => {
  const res = await client.transact(DB, [
    { op: 'insert', table: 'Bridge', row: { name: 'raw0', ports: ['named-uuid', 'p'] }, 'uuid-name': 'b' },
    { op: 'insert', table: 'Port', row: { name: 'raw0', interfaces: ['named-uuid', 'i'] }, 'uuid-name': 'p' },
    { op: 'insert', table: 'Interface', row: { name: 'raw0', type: 'internal' }, 'uuid-name': 'i' },
    { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['named-uuid', 'b']]] },
    { op: 'comment', comment: 'mvtep test' },
    { op: 'commit', durable: false },
  ]);
  assert.match(res[0]!.uuid![1], /^[0-9a-f-]{36}$/);
  const sel = await client.transact(DB, [{ op: 'select', table: 'Port', where: [['name', '==', 'raw0']], columns: ['interfaces'] }]);
  assert.deepEqual(sel[0]!.rows, [{ interfaces: res[2]!.uuid }]);
  const upd = await client.transact(DB, [{ op: 'update', table: 'Interface', where: [['name', '==', 'raw0']], row: { mtu_request: 1400 } }]);
  assert.equal(upd[0]!.count, 1);
  const del = await client.transact(DB, [
    { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'delete', res[0]!.uuid!]] },
    { op: 'delete', table: 'Bridge', where: [['name', '==', 'raw0']] },
  ]);
  assert.equal(del[1]!.count, 1);
});

test('OvsdbTransactionError names the failing operation', async () => {
  const ops = [
    { op: 'comment' as const, comment: 'first' },
    { op: 'wait' as const, table: 'Open_vSwitch', where: [], columns: ['next_cfg'], until: '==' as const, rows: [{ next_cfg: 424242 }], timeout: 0 },
  ];
  await assert.rejects(client.transact(DB, ops), (e: unknown) =>
    e instanceof OvsdbTransactionError && e.index === 1 && e.error === 'timed out' && e.op === ops[1] && /operation 1 \(wait on Open_vSwitch\)/.test(e.message));
  // A commit-time failure (referential integrity) is reported after the last op.
  const orphan = client.transaction(DB);
  orphan.insert('Port', { name: 'orphan', interfaces: [new Uuid('11111111-2222-3333-4444-555555555555')] });
  await assert.rejects(orphan.commit(),
    (e: unknown) => e instanceof OvsdbTransactionError && e.index === 1 && e.error === 'referential integrity violation' && e.op === undefined);
  await assert.rejects(client.transaction(DB).abort().commit(), (e: unknown) => e instanceof OvsdbTransactionError && e.error === 'aborted');
  await assert.rejects(client.transaction(DB).assert('no_such_lock').commit(), (e: unknown) => e instanceof OvsdbTransactionError && e.error === 'not owner');
});

test('builder: insert/select/update/mutate/delete with decoded values', async () => {
  const tx = client.transaction(DB);
  const iface = tx.insert('Interface', { name: 'b1', type: 'internal', external_ids: { 'iface-id': 'pod-a' } });
  const port = tx.insert('Port', { name: 'b1', interfaces: [iface], tag: 7, trunks: [1, 2, 3] });
  const br = tx.insert('Bridge', { name: 'b1', ports: [port], fail_mode: 'secure' });
  tx.addToSet('Open_vSwitch', [], 'bridges', [br]);
  const res = await tx.commit();
  const brUuid = res.uuid(br);
  assert.ok(brUuid instanceof Uuid);

  const t2 = client.transaction(DB);
  const sel = t2.select('Bridge', [['_uuid', '==', brUuid]]);
  const selPort = t2.select('Port', [['name', '==', 'b1']], ['tag', 'trunks', 'interfaces']);
  await t2.commit();
  const row = sel.rows[0]!;
  assert.equal(row['name'], 'b1');
  assert.deepEqual(row['fail_mode'], ['secure']);
  assert.ok(row._uuid.equals(brUuid));
  assert.deepEqual(selPort.rows[0]!['trunks'], [1, 2, 3]);
  assert.equal(selPort.rows[0]!['tag'] instanceof Array, true);
  assert.deepEqual(selPort.rows[0]!['tag'], [7]);
  assert.ok((selPort.rows[0]!['interfaces'] as Uuid[])[0]!.equals(res.uuid(iface)));

  const t3 = client.transaction(DB).update('Port', [['name', '==', 'b1']], { tag: [] }).mutate('Port', [['name', '==', 'b1']], [['trunks', 'delete', [2]]]);
  const r3 = await t3.commit();
  assert.equal(r3.count(0), 1);
  const t4 = client.transaction(DB);
  const s4 = t4.select('Port', [['name', '==', 'b1']], ['tag', 'trunks']);
  await t4.commit();
  assert.deepEqual(s4.rows[0], { tag: [], trunks: [1, 3] });
});

test('setMapKeys/deleteMapKeys change single keys and never clobber keys written by others', async () => {
  const where = [['name', '==', 'b1']] as const;
  await client.transaction(DB).setMapKeys('Bridge', [...where], 'external_ids', { mine: '1', shared: 'a' }).commit();
  // Another writer adds its own key in between.
  const other = await OvsdbClient.connect(srv.remote);
  try {
    await other.transaction(DB).setMapKeys('Bridge', [...where], 'external_ids', { theirs: 'x' }).commit();
  } finally {
    other.close();
  }
  await client.transaction(DB).setMapKeys('Bridge', [...where], 'external_ids', { shared: 'b' }).deleteMapKeys('Bridge', [...where], 'external_ids', ['mine']).commit();
  const t = client.transaction(DB);
  const s = t.select('Bridge', [...where], ['external_ids']);
  await t.commit();
  assert.deepEqual(ext(s.rows[0]), { shared: 'b', theirs: 'x' });
  // One mutate op per helper call: delete then insert in the same op.
  const ops = client.transaction(DB).setMapKeys('Bridge', [...where], 'external_ids', { k: 'v' }).toWire(await client.schema(DB));
  assert.deepEqual(ops, [{ op: 'mutate', table: 'Bridge', where: [['name', '==', 'b1']],
    mutations: [['external_ids', 'delete', 'k'], ['external_ids', 'insert', ['map', [['k', 'v']]]]] }]);
});

test('monitor: ready, events with old and new rows, change batches, client index', async () => {
  const cache = client.monitor(DB, { Interface: ['name', 'external_ids', 'mtu_request'], Bridge: true });
  cache.addMapKeyIndex('Interface', 'external_ids', 'iface-id');
  const batches: RowChange[][] = [];
  const events: string[] = [];
  cache.on('change', (c, info) => {
    if (!info.initial) batches.push([...c]);
  });
  cache.on('insert', (t, r) => events.push(`insert ${t} ${String(r['name'])}`));
  cache.on('update', (t, r, old) => events.push(`update ${t} ${String(r['name'])} ${String(old['mtu_request'])}->${String(r['mtu_request'])}`));
  cache.on('delete', (t, old) => events.push(`delete ${t} ${String(old['name'])}`));
  await cache.ready;
  assert.ok(cache.method === 'monitor_cond_since');
  assert.equal(cache.lookupOne('Interface', 'external_ids:iface-id', 'pod-a')?.['name'], 'b1');
  assert.ok([...cache.rows('Bridge').values()].some((r) => r['name'] === 'b1'));
  // The schema's unique indexes (Bridge: name; Interface: name) are maintained too.
  assert.equal(cache.findUnique('Bridge', { name: 'b1' })?.['name'], 'b1');
  assert.equal(cache.findUnique('Interface', { name: 'b1' })?.['mtu_request'] instanceof Array, true);
  assert.equal(cache.findUnique('Bridge', { name: 'nope' }), undefined);
  assert.throws(() => cache.findUnique('Interface', { mtu_request: 1 }), /Interface has no unique index on \(mtu_request\)/);
  events.length = 0;

  const waitBatch = (n: number) => new Promise<void>((resolve) => {
    const check = () => {
      if (batches.length >= n) {
        cache.off('change', check);
        resolve();
      }
    };
    cache.on('change', check);
    check();
  });
  const waiting = cache.waitUntil(() => cache.find('Interface', (r) => (r['mtu_request'] as number[])[0] === 1500)[0]);
  await client.transaction(DB).update('Interface', [['name', '==', 'b1']], { mtu_request: [1500] }).commit();
  assert.equal((await waiting)['name'], 'b1');
  await assert.rejects(cache.waitUntil(() => undefined, { timeoutMs: 50 }), OvsdbTimeoutError);
  await waitBatch(1);
  await client.transaction(DB).setMapKeys('Interface', [['name', '==', 'b1']], 'external_ids', { 'iface-id': 'pod-b' }).commit();
  await waitBatch(2);
  assert.equal(cache.lookup('Interface', 'external_ids:iface-id', 'pod-a').length, 0);
  assert.equal(cache.lookupOne('Interface', 'external_ids:iface-id', 'pod-b')?.['name'], 'b1');
  assert.deepEqual(events, ['update Interface b1 ->1500', 'update Interface b1 1500->1500']);
  assert.equal(batches[0]!.length, 1);
  assert.equal(batches[0]![0]!.kind, 'update');
  assert.deepEqual(ext(batches[1]![0]!.old), { 'iface-id': 'pod-a' });
  assert.deepEqual(ext(batches[1]![0]!.row), { 'iface-id': 'pod-b' });
  cache.close();
});

test('every monitor method (update, update2, update3) keeps the same cache through changes', async () => {
  const caches = (['monitor_cond_since', 'monitor_cond', 'monitor'] as const).map((method) => client.monitor(DB, { Port: true, Interface: true }, { method }));
  await Promise.all(caches.map((c) => c.ready));
  assert.deepEqual(caches.map((c) => c.method), ['monitor_cond_since', 'monitor_cond', 'monitor']);
  const tx = client.transaction(DB);
  const i1 = tx.insert('Interface', { name: 'm1', external_ids: { a: '1', b: '2' } });
  const port1 = tx.insert('Port', { name: 'm1', interfaces: [i1], trunks: [5, 6] });
  const br = tx.insert('Bridge', { name: 'm1', ports: [port1] });
  tx.addToSet('Open_vSwitch', [], 'bridges', [br]);
  // A named UUID used before the insert that defines it (same transaction).
  tx.mutate('Bridge', [['_uuid', '==', br]], [['ports', 'insert', [new NamedUuid('p2')]]]);
  tx.insert('Port', { name: 'm2', interfaces: [tx.insert('Interface', { name: 'm2' })] }, 'p2');
  await tx.commit();
  await client.transaction(DB)
    .setMapKeys('Interface', [['name', '==', 'm1']], 'external_ids', { a: 'changed', c: '3' })
    .deleteMapKeys('Interface', [['name', '==', 'm1']], 'external_ids', ['b'])
    .mutate('Port', [['name', '==', 'm1']], [['trunks', 'delete', [5]], ['trunks', 'insert', [7, 8]]])
    .update('Port', [['name', '==', 'm1']], { tag: [42] })
    .commit();
  await client.transaction(DB).update('Port', [['name', '==', 'm1']], { tag: [] }).delete('Interface', [['name', '==', 'nothing']]).commit();
  await client.echo();
  for (const c of caches) {
    const m1 = c.find('Interface', (r) => r['name'] === 'm1')[0]!;
    assert.deepEqual(Object.fromEntries(m1['external_ids'] as Map<string, string>), { a: 'changed', c: '3' }, c.method);
    assert.deepEqual([...(c.find('Port', (r) => r['name'] === 'm1')[0]!['trunks'] as number[])].sort(), [6, 7, 8], c.method);
  }
  const brRemove = client.transaction(DB);
  const s = brRemove.select('Bridge', [['name', '==', 'm1']], ['_uuid']);
  await brRemove.commit();
  await client.transaction(DB).removeFromSet('Open_vSwitch', [], 'bridges', [s.rows[0]!._uuid]).commit();
  await client.echo();
  const flat = (c: (typeof caches)[number]) => JSON.stringify(['Port', 'Interface'].map((t) => [...c.rows(t).values()].map((r) => canonicalRow(r)).sort()));
  const want = await dumpSnapshot(srv, await client.schema(DB), ['Port', 'Interface']);
  assert.equal(flat(caches[0]!), JSON.stringify([want['Port'], want['Interface']]), 'update3 cache equals ovsdb-client dump');
  assert.equal(flat(caches[1]!), flat(caches[0]!), 'update2 cache equals update3 cache');
  assert.equal(flat(caches[2]!), flat(caches[0]!), 'update (v1) cache equals update3 cache');
  for (const c of caches) assert.equal(c.find('Port', (r) => /^m[12]$/.test(String(r['name']))).length, 0, 'garbage-collected with the bridge');
  for (const c of caches) c.close();
});

test('per-request timeout and cancellation', async () => {
  const blocking = () => client.transaction(DB).wait('Open_vSwitch', [], { columns: ['next_cfg'], until: '==', rows: [{ next_cfg: 999 }], timeoutMs: 60_000 });
  await assert.rejects(blocking().commit({ timeoutMs: 200 }), OvsdbTimeoutError);
  const ac = new AbortController();
  const p = blocking().commit({ signal: ac.signal });
  setImmediate(() => ac.abort());
  await assert.rejects(p, OvsdbCancelledError);
  // The connection stays usable.
  assert.deepEqual(await client.echo(['still', 'here']), ['still', 'here']);
});

async function portUuid(name: string): Promise<Uuid> {
  const t = client.transaction(DB);
  const s = t.select('Port', [['name', '==', name]], ['_uuid']);
  await t.commit();
  return s.rows[0]!['_uuid'] as Uuid;
}

test('monitor indexes: rows sharing a key, updates that leave the key alone return the fresh row, deletes', async () => {
  // Interfaces live only while a port of a bridge holds them.
  const ins = client.transaction(DB);
  const ifaces = ['ix1', 'ix2'].map((name) => ins.insert('Interface', { name, external_ids: new Map([['iface-id', 'shared']]) }));
  const port = ins.insert('Port', { name: 'ixp', interfaces: ifaces });
  ins.mutate('Bridge', [['name', '==', 'b1']], [['ports', 'insert', [port]]]);
  await ins.commit();
  const cache = client.monitor(DB, { Interface: ['name', 'external_ids', 'mtu_request'] });
  cache.addMapKeyIndex('Interface', 'external_ids', 'iface-id');
  await cache.ready;
  const names = () => cache.lookup('Interface', 'external_ids:iface-id', 'shared').map((r) => String(r['name'])).sort();
  const mtuOf = (name: string) => (cache.findUnique('Interface', { name })?.['mtu_request'] as number[] | undefined)?.[0];
  assert.deepEqual(names(), ['ix1', 'ix2']);
  // A non-key column changes: both indexes must hand out the row as it is now, not as it was indexed.
  await client.transaction(DB).update('Interface', [['name', '==', 'ix1']], { mtu_request: [9000] }).commit();
  await cache.waitUntil(() => mtuOf('ix1') === 9000 || undefined);
  assert.equal((cache.lookup('Interface', 'external_ids:iface-id', 'shared').find((r) => r['name'] === 'ix1')?.['mtu_request'] as number[])[0], 9000);
  // The key moves for one row, then the other row goes: the shared entry shrinks to nothing.
  await client.transaction(DB).setMapKeys('Interface', [['name', '==', 'ix1']], 'external_ids', { 'iface-id': 'own' }).commit();
  await cache.waitUntil(() => names().length === 1 || undefined);
  assert.deepEqual(names(), ['ix2']);
  assert.equal(cache.lookupOne('Interface', 'external_ids:iface-id', 'own')?.['name'], 'ix1');
  const ix1 = cache.findUnique('Interface', { name: 'ix1' })!['_uuid'] as Uuid;
  await client.transaction(DB).update('Port', [['name', '==', 'ixp']], { interfaces: [ix1] }).commit();
  await cache.waitUntil(() => names().length === 0 || undefined);
  assert.equal(cache.findUnique('Interface', { name: 'ix2' }), undefined);
  assert.equal(mtuOf('ix1'), 9000);
  const done = client.transaction(DB);
  done.delete('Port', [['name', '==', 'ixp']]);
  done.mutate('Bridge', [['name', '==', 'b1']], [['ports', 'delete', [(await portUuid('ixp'))]]]);
  await done.commit();
  cache.close();
});
