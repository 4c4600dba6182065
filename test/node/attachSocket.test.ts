// The agent's attach socket (group commit) against a real ovsdb-server and
// ovs-vswitchd: batching, answers only once vswitchd applied the batch, a
// refused request isolated from its batch, overload, deadlines, the socket
// file's mode and life cycle, and `mvtep attach/detach --agent`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { NodeAttacher, type AttachResult } from '../../src/node/attach.ts';
import { attachViaAgent, detachViaAgent } from '../../src/node/attachClient.ts';
import { serveAttachSocket, startAttachSocket, type AttachSocketServer } from '../../src/node/agent/attachSocket.ts';
import type { AgentResponse } from '../../src/node/attachWire.ts';
import { plug } from './agentTestKit.ts';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../helpers/cliIo.ts';
import { SEED_NICS, startOvs, type OvsHarness } from './agentHarness.ts';

let h: OvsHarness;
let db: OvsdbClient;
let server: AttachSocketServer;
let sock: string;
before(async () => {
  h = await startOvs({ vswitchd: true, nics: SEED_NICS.map((n) => ({ ...n, numVfs: 8 })) });
  db = await OvsdbClient.connect(h.remote);
  sock = join(h.dir, 'attach.sock');
  server = await startAttachSocket({ ovsdb: h.remote, path: sock, sysfsRoot: h.sysfs.root });
});
after(async () => {
  await server?.close();
  db?.close();
  await h?.down();
});

/** cur_cfg and next_cfg as ovsdb-server has them now (a fresh round trip, not a monitor that may lag). */
async function cfg(): Promise<{ cur: number; next: number }> {
  const tx = db.transaction('Open_vSwitch');
  const sel = tx.select('Open_vSwitch', [], ['cur_cfg', 'next_cfg']);
  await tx.commit();
  return { cur: Number(sel.rows[0]!['cur_cfg']), next: Number(sel.rows[0]!['next_cfg']) };
}

/** Several requests in ONE write on one connection (so they are read in one turn: one batch); answers by id. */
function raw(path: string, reqs: readonly object[]): Promise<Map<number | string | null, AgentResponse>> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    const out = new Map<number | string | null, AgentResponse>();
    let buf = '';
    s.setEncoding('utf8');
    s.once('connect', () => s.write(reqs.map((r) => JSON.stringify(r) + '\n').join('')));
    s.on('data', (c: string) => {
      buf += c;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const r = JSON.parse(buf.slice(0, nl)) as AgentResponse;
        buf = buf.slice(nl + 1);
        out.set(r.id, r);
      }
      if (out.size === reqs.length) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('error', reject);
  });
}

const vf = (pf: number, v: number) => h.sysfs.nics[pf]!.vfs[v]!;

test('concurrent attaches from separate connections: fewer transactions than requests, each answered only once vswitchd applied it', async () => {
  const before0 = await cfg();
  const tx0 = server.stats.transactions;
  const pods = [0, 1, 2].flatMap((pf) => [0, 1, 2].map((v) => ({ pf, v, rep: vf(pf, v).representor!, pci: vf(pf, v).pci })));
  // Every connection open first, then all requests written in one turn: they arrive together however loaded the
  // machine is (started one by one, a busy machine spread them out so each found the agent idle: 9 transactions).
  const conns = await Promise.all(pods.map(() => new Promise<Socket>((resolve, reject) => {
    const s = createConnection(sock);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  })));
  const answered = conns.map((s) => new Promise<AgentResponse>((resolve, reject) => {
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        s.destroy();
        resolve(JSON.parse(buf.slice(0, nl)) as AgentResponse);
      }
    });
    s.once('error', reject);
  }));
  pods.forEach((p, i) => conns[i]!.write(JSON.stringify({ id: i, op: 'attach', iface: p.rep, ifaceId: `burst-${i}`, device: p.pci, ifaceType: 'internal', wait: true }) + '\n'));
  const answers = await Promise.all(answered.map(async (a, i) => {
    const res = await a;
    assert.ok(res.ok, JSON.stringify(res));
    // Read right after this caller's answer: vswitchd must already have applied its batch.
    return { r: res.result as AttachResult, now: await cfg(), p: pods[i]! };
  }));
  const after0 = await cfg();
  for (const { r, now, p } of answers) {
    assert.equal(r.action, 'create');
    assert.equal(r.encapIp, `192.0.2.${p.pf + 1}`);
    assert.ok(r.appliedCfg !== undefined && now.cur >= r.appliedCfg, `${p.rep}: answered with cur_cfg ${now.cur} < its batch's ${r.appliedCfg}`);
    assert.ok(Number(await h.vsctl(['get', 'Interface', p.rep, 'ofport'])) > 0, `${p.rep} has no ofport: not applied by vswitchd`);
    assert.match(await h.vsctl(['get', 'Interface', p.rep, 'external_ids:encap-ip']), new RegExp(`192\\.0\\.2\\.${p.pf + 1}`));
  }
  const transactions = server.stats.transactions - tx0;
  assert.ok(transactions < pods.length, `${transactions} transactions for ${pods.length} requests: not batched`);
  assert.ok(after0.next - before0.next < pods.length, `next_cfg moved ${after0.next - before0.next} for ${pods.length} requests`);
  assert.ok(server.stats.largestBatch > 1);
});

test('a batch with one refused request and several good ones: the good are written, the bad gets its own error', async () => {
  const batches0 = server.stats.batches;
  const tx0 = server.stats.transactions;
  const good = [0, 1, 2].map((pf) => vf(pf, 3));
  const reqs = [
    ...good.map((f, i) => ({ id: `good-${i}`, op: 'attach', iface: f.representor!, ifaceId: `mix-${i}`, device: f.pci, ifaceType: 'internal', wait: true })),
    // The PF itself is not a representor: refused by planning.
    { id: 'bad', op: 'attach', iface: 'enp1s0f0', ifaceId: 'mix-bad', wait: true },
    // A field of the wrong type: refused on reading.
    { id: 'malformed', op: 'attach', iface: 'x', ifaceId: 7 },
    // The same port twice in one batch: the second goes into the next batch and is unchanged.
    { id: 'dup', op: 'attach', iface: good[0]!.representor!, ifaceId: 'mix-0', device: good[0]!.pci, ifaceType: 'internal', wait: true },
  ];
  const out = await raw(sock, reqs);
  const now = await cfg();
  for (let i = 0; i < good.length; i++) {
    const r = out.get(`good-${i}`)!;
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal((r.result as AttachResult).action, 'create');
    assert.ok(now.cur >= (r.result as AttachResult).appliedCfg!);
  }
  const bad = out.get('bad')!;
  assert.ok(!bad.ok);
  assert.deepEqual([bad.error.class, bad.error.code], ['SriovError', 'sriov-not-representor']);
  assert.match(bad.error.message, /enp1s0f0 is not a VF\/SF representor/);
  const malformed = out.get('malformed')!;
  assert.ok(!malformed.ok);
  assert.equal(malformed.error.code, 'agent-bad-request');
  assert.match(malformed.error.message, /ifaceId must be a string/);
  const dup = out.get('dup')!;
  assert.ok(dup.ok);
  assert.equal((dup.result as AttachResult).action, 'unchanged');
  // Good ones and the refused one in one batch and one transaction; the duplicate in the next batch (nothing to write).
  assert.equal(server.stats.batches - batches0, 2);
  assert.equal(server.stats.transactions - tx0, 1);
  assert.equal(await h.vsctl(['list-ports', 'br-int']).then((s) => s.split('\n').includes('enp1s0f0')), false);
});

test('a batch whose transaction fails (a port created by another client meanwhile) falls back to one by one: each request its own outcome', async () => {
  const c = await OvsdbClient.connect(h.remote);
  const a = await NodeAttacher.open({ ovsdb: c, sysfsRoot: h.sysfs.root });
  try {
    const f = [vf(0, 4), vf(1, 4), vf(2, 4)];
    // Sent first on the attacher's own connection (ovsdb-server applies it first), planned around by the batch,
    // whose cache does not have it yet: the batch's insert of the same name violates the index.
    const other = plug(c, f[0]!.representor!, { 'iface-id': 'fb-0' });
    const batch = await a.commitBatch([
      { kind: 'attach', input: { iface: f[0]!.representor!, ifaceId: 'fb-0', device: f[0]!.pci, ifaceType: 'internal' } },
      { kind: 'attach', input: { iface: f[1]!.representor!, ifaceId: 'fb-1', device: f[1]!.pci, ifaceType: 'internal' } },
      { kind: 'attach', input: { iface: f[2]!.representor!, ifaceId: 'fb-other', device: f[2]!.pci, ifaceType: 'internal' } },
    ]);
    await other;
    assert.equal(batch.transactions, 1 + 3, 'the batch, then one per request');
    assert.deepEqual(batch.outcomes.map((o) => o.kind === 'done' ? (o.value as AttachResult).action : o.kind), ['update', 'create', 'create']);
    assert.match(await h.vsctl(['get', 'Interface', f[0]!.representor!, 'external_ids:encap-ip']), /192\.0\.2\.1/);
  } finally {
    a.close();
    c.close();
  }
});

test('a full queue refuses with agent-overloaded; the queued requests are still written', async () => {
  const a = await NodeAttacher.open({ ovsdb: h.remote, sysfsRoot: h.sysfs.root });
  const path = join(h.dir, 'small.sock');
  const small = await serveAttachSocket({ path, attacher: a, maxQueue: 2 });
  try {
    const reqs = [5, 6].map((v, i) => ({ id: i, op: 'attach', iface: vf(0, v).representor!, ifaceId: `q-${i}`, device: vf(0, v).pci, ifaceType: 'internal' }));
    for (let i = 2; i < 5; i++) reqs.push({ id: i, op: 'detach', ifaceId: `nobody-${i}` } as never);
    const out = await raw(path, reqs);
    const overloaded = [...out.values()].filter((r) => !r.ok && r.error.code === 'agent-overloaded');
    assert.equal(overloaded.length, 3);
    assert.match((overloaded[0] as { error: { message: string } }).error.message, /2 requests queued .* retry later/);
    assert.equal(small.stats.overloaded, 3);
    assert.ok(out.get(0)!.ok && out.get(1)!.ok);
  } finally {
    await small.close();
    a.close();
  }
  assert.equal(existsSync(path), false, 'socket removed on close');
});

test('the socket is mode 0600; a live one is refused, a stale one replaced', async () => {
  assert.equal(statSync(sock).mode & 0o777, 0o600);
  assert.ok(statSync(sock).isSocket());
  await assert.rejects(startAttachSocket({ ovsdb: h.remote, path: sock, sysfsRoot: h.sysfs.root }),
    (e: unknown) => e instanceof Error && 'code' in e && e.code === 'agent-socket-in-use' && /served by a running process/.test(e.message));
  // A stale socket: its process died without removing it.
  const stale = join(h.dir, 'stale.sock');
  await new Promise<void>((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    c.on('error', reject);
    c.on('exit', () => resolve());
  });
  assert.ok(statSync(stale).isSocket());
  const s2 = await startAttachSocket({ ovsdb: h.remote, path: stale, sysfsRoot: h.sysfs.root });
  try {
    assert.equal(statSync(stale).mode & 0o777, 0o600);
    const r = await detachViaAgent(stale, { iface: 'no-such-port' }, 5000);
    assert.equal(r.action, 'absent');
  } finally {
    await s2.close();
  }
  assert.equal(existsSync(stale), false);
});

test('mvtep attach/detach --agent: the same results, errors and exit codes as the direct attach', async () => {
  const f = vf(2, 3);
  const io1 = captureIo({}, '/');
  // Attached by the mixed-batch test: unchanged through the agent too.
  assert.equal(await main(['attach', '--agent', sock, '--iface', f.representor!, '--iface-id', 'mix-2', '--device', f.pci, '--type', 'internal', '--wait', '--json'], io1), 0, io1.err());
  const r = JSON.parse(io1.out()) as AttachResult;
  assert.deepEqual([r.action, r.pf, r.encapIp], ['unchanged', 'enp3s0f0', '192.0.2.3']);
  // Refusals: exit 1 with the typed code, the message of the direct attach.
  const viaAgent = captureIo({}, '/');
  const direct = captureIo({}, '/');
  assert.equal(await main(['attach', '--agent', sock, '--iface', f.representor!, '--iface-id', 'someone-else'], viaAgent), 1);
  assert.equal(await main(['attach', '--ovsdb', h.remote, '--sysfs', h.sysfs.root, '--iface', f.representor!, '--iface-id', 'someone-else'], direct), 1);
  assert.match(viaAgent.err(), /error \[attach-conflict\]: .* is attached with iface-id mix-2, not someone-else/);
  assert.equal(viaAgent.err(), direct.err());
  const notRep = captureIo({}, '/');
  assert.equal(await main(['attach', '--agent', sock, '--iface', 'enp1s0f0', '--iface-id', 'x', '--json'], notRep), 1);
  assert.equal((JSON.parse(notRep.out()) as { code: string }).code, 'sriov-not-representor');
  // No agent there: exit 3, naming the socket.
  const none = captureIo({}, '/');
  assert.equal(await main(['attach', '--agent', join(h.dir, 'nothing.sock'), '--iface', 'r', '--iface-id', 'x'], none), 3);
  assert.match(none.err(), /error \[agent-unreachable\]: cannot reach the agent at .*nothing\.sock: ENOENT/);
  const both = captureIo({}, '/');
  assert.equal(await main(['attach', '--agent', sock, '--ovsdb', h.remote, '--iface', 'r', '--iface-id', 'x'], both), 2);
  const d = captureIo({}, '/');
  assert.equal(await main(['detach', '--agent', sock, '--iface-id', 'mix-2', '--wait'], d), 0, d.err());
  assert.equal(d.out(), `deleted: ${f.representor}\n`);
  assert.equal(await h.vsctl(['list-ports', 'br-int']).then((s) => s.split('\n').includes(f.representor!)), false);
});

test('per-request deadline: without ovs-vswitchd a waiting attach is answered agent-timeout (exit 3), a non-waiting one at commit', async () => {
  const bare = await startOvs();
  const path = join(bare.dir, 'attach.sock');
  const s = await startAttachSocket({ ovsdb: bare.remote, path, sysfsRoot: bare.sysfs.root });
  try {
    const f = bare.sysfs.nics[0]!.vfs[0]!;
    const t0 = performance.now();
    await assert.rejects(attachViaAgent(path, { iface: f.representor!, ifaceId: 'slow', wait: true }, 400),
      (e: unknown) => e instanceof Error && 'code' in e && e.code === 'agent-timeout' && /ovs-vswitchd had not applied it yet/.test(e.message));
    assert.ok(performance.now() - t0 < 1400, 'answered by the agent at the deadline, not by the client\'s grace');
    assert.equal(s.stats.timedOut, 1);
    const g = bare.sysfs.nics[1]!.vfs[0]!;
    const r = await attachViaAgent(path, { iface: g.representor!, ifaceId: 'nowait' }, 2000);
    assert.deepEqual([r.action, r.appliedCfg], ['create', undefined]);
    const io = captureIo({}, '/');
    assert.equal(await main(['attach', '--agent', path, '--iface', bare.sysfs.nics[2]!.vfs[0]!.representor!, '--iface-id', 'x', '--wait', '--timeout', '0.3'], io), 3);
    assert.match(io.err(), /error \[agent-timeout\]/);
  } finally {
    await s.close();
    await bare.down();
  }
});
