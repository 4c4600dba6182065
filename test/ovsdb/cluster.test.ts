import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvsdbClient, OvsdbTransactionError, OvsdbConnectionError } from '../../src/ovsdb/index.ts';
import { requireRuntime } from '../../src/lab/runtime.ts';
import { run } from '../../src/util/exec.ts';
import { freePort, runQuiet, startServer, waitFor, type TestServer } from './server.ts';

const DB = 'OVN_Southbound';
let dir: string;
const members: TestServer[] = [];

async function role(m: TestServer): Promise<string> {
  const r = await runQuiet([...m.rt.argv('ovs-appctl'), '-t', join(dir, `${memberName(m)}.ctl`), 'cluster/status', DB]);
  return /^Role: (\w+)/m.exec(r.stdout)?.[1] ?? 'down';
}

function memberName(m: TestServer): string {
  return m.sock.slice(dir.length + 1).replace(/\.sock$/, '');
}

before(async () => {
  const rt = await requireRuntime();
  dir = await mkdtemp(join(tmpdir(), 'mvtep-raft-'));
  const tool = rt.argv('ovsdb-tool');
  const ports = [await freePort(), await freePort(), await freePort()];
  const files = ports.map((_, i) => join(dir, `s${i}.db`));
  await run([...tool, 'create-cluster', files[0]!, rt.schemas.sb, `tcp:127.0.0.1:${ports[0]}`]);
  for (const i of [1, 2]) {
    await run([...tool, 'join-cluster', files[i]!, DB, `tcp:127.0.0.1:${ports[i]}`, `tcp:127.0.0.1:${ports[0]}`]);
  }
  for (let i = 0; i < 3; i++) members.push(await startServer({ dir, name: `s${i}`, dbFiles: [files[i]!] }));
  await waitFor('a raft leader', async () => ((await Promise.all(members.map(role))).includes('leader') || undefined), 60_000);
});
after(async () => {
  for (const m of members) await m.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('leader-only client: skips followers, follows the leader after kill -9 and after cluster/leave; writes resume', async () => {
  // Put the leader last so the client must skip followers to find it.
  const roles = await Promise.all(members.map(role));
  const ordered = [...members].sort((a, b) => Number(roles[members.indexOf(a)] === 'leader') - Number(roles[members.indexOf(b)] === 'leader'));
  const remotes = ordered.map((m) => m.remote).join(',');
  const client = await waitFor('connect to leader', () => OvsdbClient.connect(remotes, { database: DB, backoffMinMs: 200, backoffMaxMs: 1000 }).catch(() => undefined), 60_000);
  try {
    const leader = members.find((m) => m.remote === client.connectedRemote)!;
    assert.equal(await role(leader), 'leader', 'connected to the leader, not a follower');
    const cache = client.monitor(DB, { Address_Set: ['name', 'addresses'] });
    await cache.ready;
    const reloads: boolean[] = [];
    cache.on('change', (_c, info) => reloads.push(info.initial));
    const tx = client.transaction(DB);
    tx.insert('Address_Set', { name: 'before_failover', addresses: ['192.0.2.1'] });
    await tx.commit();

    await leader.kill();
    await waitFor('reconnected to a new leader', async () => {
      const r = client.connectedRemote;
      if (!r || r === leader.remote) return undefined;
      const m = members.find((x) => x.remote === r)!;
      return (await role(m)) === 'leader' || undefined;
    }, 60_000);
    // Writes resume (retry while the new leader settles).
    await waitFor('write after failover', async () => {
      const t = client.transaction(DB);
      t.insert('Address_Set', { name: `after_failover_${Date.now()}`, addresses: ['192.0.2.2'] });
      try {
        await t.commit({ timeoutMs: 5000 });
        return true;
      } catch (err) {
        if (err instanceof OvsdbConnectionError || err instanceof OvsdbTransactionError) return undefined;
        throw err;
      }
    }, 60_000);
    await waitFor('cache has both rows', () => {
      const names = [...cache.rows('Address_Set').values()].map((r) => String(r['name']));
      return (names.includes('before_failover') && names.some((n) => n.startsWith('after_failover_'))) || undefined;
    });
    // monitor_cond_since resumed from the last transaction id on the new
    // leader: no batch was a full reload.
    assert.ok(cache.lastTxnId && cache.lastTxnId !== '00000000-0000-0000-0000-000000000000');
    assert.deepEqual(reloads.filter((x) => x), [], 'resumed, not reloaded');
    // The old leader comes back as a follower: the client stays on the leader.
    await leader.start();
    await waitFor('old leader rejoined', async () => (await role(leader)) === 'follower' || undefined, 60_000);
    assert.notEqual(client.connectedRemote, leader.remote);

    // Leadership moves without the connection dropping: the current leader
    // leaves the cluster (its process keeps running). The client sees it in
    // _Server and moves to the new leader instead of staying on a non-leader.
    const current = members.find((m) => m.remote === client.connectedRemote)!;
    const moved = new Promise<unknown>((r) => client.once('disconnected', r));
    await runQuiet([...current.rt.argv('ovs-appctl'), '-t', join(dir, `${memberName(current)}.ctl`), 'cluster/leave', DB]);
    assert.match(String((await moved as Error).message), /no longer the leader/);
    await waitFor('on the new leader', async () => {
      const r = client.connectedRemote;
      if (!r || r === current.remote) return undefined;
      return (await role(members.find((x) => x.remote === r)!)) === 'leader' || undefined;
    }, 60_000);
    await waitFor('write on the new leader', async () => {
      const t = client.transaction(DB);
      t.insert('Address_Set', { name: `after_leave_${Date.now()}` });
      return t.commit({ timeoutMs: 5000 }).then(() => true, () => undefined);
    }, 60_000);
  } finally {
    client.close();
  }
});
