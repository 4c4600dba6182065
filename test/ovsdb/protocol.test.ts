// JSON-RPC edge cases against an in-process server on a unix socket that
// misbehaves on purpose (garbage, truncation, silence, early updates).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  JsonStreamParser, OvsdbClient, OvsdbConnectionError, OvsdbProtocolError, OvsdbTimeoutError,
} from '../../src/ovsdb/index.ts';
import { waitFor } from './server.ts';

let dir: string;
let seq = 0;
const servers: Server[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mvtep-rpc-'));
});
after(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await rm(dir, { recursive: true, force: true });
});

type Handler = (msg: Record<string, unknown>, sock: Socket) => void;

/** A fake peer: `onConnect` runs first, then `handler` for every message. */
async function fake(handler: Handler, onConnect?: (sock: Socket) => void, path = join(dir, `f${++seq}.sock`)): Promise<{ remote: string; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((sock) => {
    sockets.push(sock);
    sock.on('error', () => {});
    onConnect?.(sock);
    const parser = new JsonStreamParser();
    sock.on('data', (b: Buffer) => {
      try {
        parser.push(b, (m) => handler(m as Record<string, unknown>, sock));
      } catch {
        sock.destroy();
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(path, () => r()));
  return { remote: `unix:${path}`, sockets };
}

const send = (sock: Socket, msg: unknown) => sock.write(JSON.stringify(msg));

test('garbage from the server rejects pending requests with OvsdbProtocolError, no crash', async () => {
  const f = await fake((m, sock) => {
    if (m['method'] === 'list_dbs') sock.write('HTTP/1.1 400 Bad Request\r\n\r\n');
  });
  const client = await OvsdbClient.connect(f.remote, { reconnect: false });
  try {
    await assert.rejects(client.listDbs(), (e: unknown) => e instanceof OvsdbProtocolError && /expected '\{'/.test(e.message));
    assert.equal(client.isConnected, false);
  } finally {
    client.close();
  }
});

test('a non-object message and invalid JSON are protocol errors', async () => {
  for (const bad of ['{"id":1,"result":[1,}', '{"no":"id or method"}']) {
    const f = await fake((m, sock) => {
      if (m['method'] === 'echo') sock.write(bad);
    });
    const client = await OvsdbClient.connect(f.remote, { reconnect: false });
    try {
      await assert.rejects(client.echo(), OvsdbProtocolError, bad);
    } finally {
      client.close();
    }
  }
});

test('a reply truncated by the server closing gives OvsdbConnectionError naming the truncation', async () => {
  const f = await fake((m, sock) => {
    if (m['method'] === 'list_dbs') sock.end('{"id":1,"result":["Open_vS');
  });
  const client = await OvsdbClient.connect(f.remote, { reconnect: false });
  try {
    await assert.rejects(client.listDbs(), (e: unknown) => e instanceof OvsdbConnectionError && /in the middle of a message/.test(e.message));
  } finally {
    client.close();
  }
});

test('a silent server: per-request timeout, and the inactivity probe drops the connection', async () => {
  const f = await fake(() => {});
  const client = await OvsdbClient.connect(f.remote, { probeIntervalMs: 200, backoffMinMs: 60_000 });
  const dropped = new Promise<unknown>((r) => client.once('disconnected', r));
  try {
    await assert.rejects(client.listDbs({ timeoutMs: 100 }), OvsdbTimeoutError);
    const err = await dropped;
    assert.ok(err instanceof OvsdbTimeoutError && /inactivity probe/.test(err.message), String(err));
  } finally {
    client.close();
  }
});

test('answers server echo requests and ignores unknown notifications', async () => {
  let reply: unknown;
  const f = await fake((m) => {
    if (m['id'] === 'echo') reply = m;
  }, (sock) => {
    send(sock, { method: 'whatever', params: [], id: null });
    send(sock, { method: 'echo', params: ['ping', 1], id: 'echo' });
  });
  const client = await OvsdbClient.connect(f.remote, { reconnect: false });
  try {
    await waitFor('echo reply', () => reply);
    assert.deepEqual(reply, { result: ['ping', 1], error: null, id: 'echo' });
    assert.equal(client.isConnected, true);
  } finally {
    client.close();
  }
});

const tinySchema = {
  name: 'Tiny', version: '1.0.0',
  tables: { T: { columns: { name: { type: 'string' }, tags: { type: { key: 'string', min: 0, max: 'unlimited' } } }, isRoot: true } },
};

test('updates that arrive before the monitor reply are buffered and applied after it', async () => {
  const U1 = 'aaaaaaaa-0000-0000-0000-000000000001';
  const U2 = 'aaaaaaaa-0000-0000-0000-000000000002';
  const f = await fake((m, sock) => {
    if (m['method'] === 'get_schema') send(sock, { id: m['id'], result: tinySchema, error: null });
    if (m['method'] === 'monitor_cond_since') {
      const monId = (m['params'] as unknown[])[1];
      // Two updates first (one modifies a row only the reply carries), then the reply.
      send(sock, { method: 'update3', params: [monId, 'bbbbbbbb-0000-0000-0000-000000000002', { T: { [U1]: { modify: { tags: ['set', ['x', 'y']] } } } }], id: null });
      send(sock, { method: 'update3', params: [monId, 'bbbbbbbb-0000-0000-0000-000000000003', { T: { [U2]: { insert: { name: 'two' } } } }], id: null });
      send(sock, { id: m['id'], error: null, result: [false, 'bbbbbbbb-0000-0000-0000-000000000001', { T: { [U1]: { initial: { name: 'one', tags: 'x' } } } }] });
    }
  });
  const client = await OvsdbClient.connect(f.remote, { reconnect: false });
  try {
    const cache = client.monitor('Tiny', { T: true });
    await cache.ready;
    await waitFor('buffered updates applied', () => cache.rows('T').size === 2 || undefined);
    assert.deepEqual(cache.get('T', U1)?.['tags'], ['y'], 'x toggled off, y toggled on, after the initial row');
    assert.deepEqual(cache.get('T', U2)?.['tags'], [], 'omitted default filled in');
    assert.equal(cache.lastTxnId, 'bbbbbbbb-0000-0000-0000-000000000003');
  } finally {
    client.close();
  }
});

test('an inconsistent update drops the connection instead of corrupting the cache', async () => {
  let conns = 0;
  const f = await fake((m, sock) => {
    if (m['method'] === 'get_schema') send(sock, { id: m['id'], result: tinySchema, error: null });
    if (m['method'] === 'monitor_cond_since') {
      const monId = (m['params'] as unknown[])[1];
      send(sock, { id: m['id'], error: null, result: [false, 'bbbbbbbb-0000-0000-0000-000000000001', { T: {} }] });
      if (conns++ === 0) send(sock, { method: 'update3', params: [monId, 'x', { Nope: {} }], id: null });
    }
  });
  const client = await OvsdbClient.connect(f.remote, { backoffMinMs: 50 });
  const errors: unknown[] = [];
  client.on('disconnected', (e) => errors.push(e));
  try {
    const cache = client.monitor('Tiny', { T: true });
    await cache.ready;
    await waitFor('disconnect', () => errors.length > 0 || undefined);
    assert.match(String((errors[0] as Error).message), /unknown table 'Nope'/);
    await waitFor('reconnected and resynced', () => (client.isConnected && cache.isReady && conns === 2) || undefined);
  } finally {
    client.close();
  }
});

test('a server that accepts and closes at once is redialled with backoff (retrying events), not in a tight loop', async () => {
  const f = await fake(() => {}, (sock) => sock.destroy());
  const client = await OvsdbClient.connect(f.remote, { backoffMinMs: 50, backoffMaxMs: 200 });
  const delays: number[] = [];
  client.on('retrying', (_e, ms) => delays.push(ms));
  try {
    await waitFor('four retries', () => delays.length >= 4 || undefined, 10_000);
    assert.deepEqual(delays.slice(0, 4), [50, 100, 200, 200]);
    // One connection per attempt (the old loop redialled at once, thousands of times a second).
    assert.ok(f.sockets.length <= 6, `${f.sockets.length} connections`);
  } finally {
    client.close();
  }
});

test('OvsdbClient.open returns at once, retries while nothing listens, and serves requests once the server appears', async () => {
  const path = join(dir, `late${++seq}.sock`);
  const client = OvsdbClient.open(`unix:${path}`, { backoffMinMs: 50, backoffMaxMs: 100 });
  const retried = new Promise<Error>((r) => client.once('retrying', (e) => r(e)));
  try {
    assert.equal(client.isConnected, false);
    assert.match((await retried).message, /late\d+\.sock/);
    // A request made meanwhile waits for the connection within its deadline.
    const dbs = client.listDbs({ timeoutMs: 10_000 });
    await fake((m, sock) => {
      if (m['method'] === 'list_dbs') send(sock, { id: m['id'], result: ['Late'], error: null });
    }, undefined, path);
    assert.deepEqual(await dbs, ['Late']);
    assert.equal(client.isConnected, true);
  } finally {
    client.close();
  }
  assert.throws(() => OvsdbClient.open(`unix:${path}`, { reconnect: false }), /reconnect/);
});

test('opening a connection honours its deadline: a TLS server that accepts and never handshakes fails within connectTimeoutMs, naming the remote', async () => {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const remote = `ssl:127.0.0.1:${port}`;
  try {
    const started = Date.now();
    await assert.rejects(OvsdbClient.connect(remote, { connectTimeoutMs: 300 }), (e: unknown) =>
      e instanceof OvsdbConnectionError && e.message.includes(remote) && /no connection within 300 ms/.test(e.message));
    assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
    // The background session treats it as one failed attempt and backs off.
    const client = OvsdbClient.open(remote, { connectTimeoutMs: 200, backoffMinMs: 50 });
    try {
      const [err, delay] = await new Promise<[Error, number]>((r) => client.once('retrying', (e, d) => r([e, d])));
      assert.match(err.message, /no connection within 200 ms/);
      assert.equal(delay, 50);
    } finally {
      client.close();
    }
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});
