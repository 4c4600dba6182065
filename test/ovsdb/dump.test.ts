import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../helpers/cliIo.ts';
import {
  dumpDatabase, dumpToJson, JsonStreamParser, OvsdbClient, writeJsonDump, type DatabaseSchema,
} from '../../src/ovsdb/index.ts';
import { startServer, waitFor, type TestServer } from './server.ts';
import { loadPortBindings } from './fixtures.ts';

const DB = 'OVN_Southbound';
const PORTS = 3000;
let srv: TestServer;
let client: OvsdbClient;
let schema: DatabaseSchema;

before(async () => {
  srv = await startServer({ schemas: ['sb'] });
  client = await OvsdbClient.connect(srv.remote);
  await loadPortBindings(client, PORTS);
  const tx = client.transaction(DB);
  const encaps = [tx.insert('Encap', { type: 'geneve', ip: '192.0.2.7', chassis_name: 'hv1', options: { csum: 'true' } }),
    tx.insert('Encap', { type: 'vxlan', ip: '2001:db8::7', chassis_name: 'hv1', options: {} })];
  tx.insert('Chassis', { name: 'hv1', hostname: 'node "one"\n', encaps, external_ids: { 'ovn-encap-ip': '192.0.2.7', 1: 'digit key', 'é': 'ünï' } });
  await tx.commit();
  schema = await client.schema(DB);
});
after(async () => {
  client?.close();
  await srv?.stop();
});

/** What `ovsdb dump --json` printed before it was streamed: one select, the whole document stringified. */
async function previousJson(tables: string[]): Promise<string> {
  return JSON.stringify(dumpToJson(await dumpDatabase(client, DB, tables)), null, 2) + '\n';
}

/** Lets a PassThrough deliver what was written to it. */
const settled = () => new Promise((r) => setImmediate(r));

function collect(): { out: Writable; text: () => string; writes: number[]; maxQueued: () => number } {
  let text = '';
  let maxQueued = 0;
  const writes: number[] = [];
  // A slow reader: a writer that ignores backpressure queues its whole output here.
  const out = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.length);
      text += chunk.toString();
      setImmediate(done);
    },
  });
  const write = out.write.bind(out);
  out.write = ((chunk: string) => {
    const ok = write(chunk);
    maxQueued = Math.max(maxQueued, out.writableLength);
    return ok;
  }) as typeof out.write;
  return { out, text: () => text, writes, maxQueued: () => maxQueued };
}

test('the streamed JSON is byte for byte what the whole-document dump printed, every table of the database', async () => {
  const all = [...schema.tables.keys()].sort();
  const c = collect();
  await writeJsonDump(client, schema, all, c.out);
  const before = await previousJson([]);
  assert.equal(c.text(), before);
  const doc = JSON.parse(c.text()) as { tables: Record<string, Record<string, unknown>[]> };
  assert.equal(doc.tables['Port_Binding']!.length, PORTS);
  assert.deepEqual(doc.tables['Chassis']![0]!['external_ids'], { 1: 'digit key', 'ovn-encap-ip': '192.0.2.7', 'é': 'ünï' });
  assert.deepEqual(doc.tables['Logical_Flow'], []);
});

test('--json of named tables equals the previous output, and streams in pieces that wait for the reader', async () => {
  const c = collect();
  const io = { ...captureIo({}, '/'), stdout: c.out };
  assert.equal(await main(['ovsdb', 'dump', '--db', srv.remote, DB, 'Port_Binding', 'Encap', 'Chassis', '--json'], io), 0, io.err());
  const expected = await previousJson(['Port_Binding', 'Encap', 'Chassis']);
  assert.equal(c.text(), expected);
  assert.ok(expected.length > 2_000_000, `output of ${expected.length} chars`);
  assert.ok(c.writes.length > 20, `${c.writes.length} writes`);
  assert.ok(Math.max(...c.writes) <= 256 * 1024, `largest write ${Math.max(...c.writes)} bytes`);
  // It waited for 'drain' instead of queueing its output in the stream.
  assert.ok(c.maxQueued() <= 256 * 1024, `queued up to ${c.maxQueued()} bytes`);
});

/** With --json a failing command prints only its error document on stdout (docs/cli.md). */
function onlyError(text: string): { code: string; message: string } {
  const doc = JSON.parse(text) as { code: string; message: string; tables?: unknown };
  assert.equal(doc.tables, undefined, 'no dump document');
  return doc;
}

test('bad input names the table or database, exits non-zero and prints no dump', async () => {
  let t = captureIo({}, '/');
  assert.equal(await main(['ovsdb', 'dump', '--db', srv.remote, DB, 'Port_Binding', 'Nope', '--json'], t), 2);
  await settled();
  assert.match(onlyError(t.out()).message, /database OVN_Southbound has no table 'Nope'/);
  t = captureIo({}, '/');
  assert.equal(await main(['ovsdb', 'dump', '--db', srv.remote, 'Open_vSwitch', 'Port', '--json'], t), 2);
  await settled();
  assert.match(onlyError(t.out()).message, /database OVN_Southbound has no table 'Open_vSwitch'/);
  // A row the schema cannot decode fails before any output: here a schema that says Encap.ip is an integer.
  const c = collect();
  const encap = schema.tables.get('Encap')!;
  const ip = encap.columns.get('ip')!;
  const intIp = { ...ip, type: { ...ip.type, key: { ...ip.type.key, type: 'integer' as const } } };
  const fake = { ...schema, tables: new Map([...schema.tables, ['Encap', { ...encap, columns: new Map([...encap.columns, ['ip', intIp]]) }]]) } as DatabaseSchema;
  await assert.rejects(writeJsonDump(client, fake, ['Port_Binding', 'Encap'], c.out), /Encap\.ip: expected integer, got "(192\.0\.2\.7|2001:db8::7)"/);
  assert.equal(c.text(), '');
});

/** The bytes ovsdb-server sends for `req` on a fresh connection (one reply). */
function rawReply(req: unknown): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ path: srv.sock });
    const parts: Buffer[] = [];
    const parser = new JsonStreamParser();
    s.once('connect', () => s.write(JSON.stringify(req)));
    s.on('data', (b: Buffer) => {
      parts.push(b);
      parser.push(b, () => {
        s.destroy();
        resolve(Buffer.concat(parts));
      });
    });
    s.once('error', reject);
  });
}

const MONITOR = (id: number) => ({
  method: 'monitor_cond', id,
  params: [DB, 'm', { Encap: [{ columns: ['ip', 'options', 'type'] }], Chassis: [{ columns: ['name', 'external_ids'] }] }],
});

test('ReplySplitter: the same rows and message at every split of a real reply between an echo request and a notification', async () => {
  const reply = await rawReply(MONITOR(5));
  const whole = JSON.parse(reply.toString()) as { result: Record<string, Record<string, unknown>> };
  const expectRows = Object.entries(whole.result).flatMap(([t, rows]) => Object.entries(rows).map(([u, r]) => `${t} ${u} ${JSON.stringify(r)}`)).sort();
  assert.equal(expectRows.length, 3);
  const stream = Buffer.concat([Buffer.from('{"id":"echo","method":"echo","params":[]}'), reply, Buffer.from(' {"id":null,"method":"update2","params":["x",{"Encap":{}}]}')]);
  const { ReplySplitter } = await import('../../src/ovsdb/replySplitter.ts');
  for (let cut = 1; cut < stream.length; cut++) {
    const rows: string[] = [];
    const messages: unknown[] = [];
    const parser = new JsonStreamParser();
    parser.divert(new ReplySplitter({ row: (t, u, json) => rows.push(`${t} ${u} ${JSON.stringify(JSON.parse(json))}`) }));
    parser.push(stream.subarray(0, cut), (m) => messages.push(m));
    parser.push(stream.subarray(cut), (m) => messages.push(m));
    assert.deepEqual(rows.sort(), expectRows, `cut at ${cut}`);
    assert.deepEqual(messages, [
      { id: 'echo', method: 'echo', params: [] },
      { id: 5, result: { Encap: {}, Chassis: {} }, error: null },
      { id: null, method: 'update2', params: ['x', { Encap: {} }] },
    ], `cut at ${cut}`);
    assert.equal(parser.pending, false);
  }
});

test('rows are decoded while the reply is still arriving (a server that sends half and waits)', async (t) => {
  const ports = { method: 'monitor_cond', id: 1, params: [DB, 'm', { Port_Binding: [{ columns: ['logical_port'] }] }] };
  const reply = await rawReply(ports);
  const sock = join(srv.dir, 'paced.sock');
  let seen = 0;
  let peer: Socket | undefined;
  const server: Server = createServer((s) => {
    peer = s;
    s.once('data', () => {
      s.write(reply.subarray(0, reply.length >> 1));
      // The rest only once the client has shown it decodes rows of the first half.
      void waitFor('rows from the first half of the reply', () => seen > 0, 10_000).then(() => s.write(reply.subarray(reply.length >> 1)), () => s.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => {
    peer?.destroy();
    server.close();
  });
  const c = await OvsdbClient.connect(`unix:${sock}`, { reconnect: false });
  try {
    const result = await c.requestRows('monitor_cond', ports.params, { row: () => void ++seen });
    assert.deepEqual(result, { Port_Binding: {} });
    assert.equal(seen, PORTS);
  } finally {
    c.close();
  }
});
