import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { bumpNextCfgAndWait, OvsdbClient, OvsdbTimeoutError } from '../../src/ovsdb/index.ts';
import { startServer, waitFor, type TestServer } from './server.ts';

let srv: TestServer;
let client: OvsdbClient;
let vswitchd: ChildProcess | undefined;

before(async () => {
  srv = await startServer();
  client = await OvsdbClient.connect(srv.remote);
  const tx = client.transaction('Open_vSwitch');
  tx.insert('Open_vSwitch', {});
  await tx.commit();
});
after(async () => {
  if (vswitchd && vswitchd.exitCode === null) {
    const gone = new Promise((r) => vswitchd!.once('exit', r));
    vswitchd.kill('SIGKILL');
    await gone;
  }
  client?.close();
  await srv?.stop();
});

test('bumpNextCfgAndWait times out clearly when ovs-vswitchd is not running', async () => {
  await assert.rejects(bumpNextCfgAndWait(client, undefined, { timeoutMs: 300 }),
    (e: unknown) => e instanceof OvsdbTimeoutError && /is ovs-vswitchd running\?/.test(e.message));
});

test('bumpNextCfgAndWait returns once ovs-vswitchd applied the transaction', async () => {
  const argv = [...srv.rt.argv('ovs-vswitchd'), srv.remote, '--enable-dummy=override', '--disable-system',
    `--unixctl=${join(srv.dir, 'vswitchd.ctl')}`, `--log-file=${join(srv.dir, 'vswitchd.log')}`, '-vconsole:off', '--no-chdir'];
  vswitchd = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env: { ...process.env, OVS_RUNDIR: srv.dir, OVS_DBDIR: srv.dir } });
  const tx = client.transaction('Open_vSwitch');
  const br = tx.insert('Bridge', { name: 'br-wait', datapath_type: 'dummy' });
  tx.addToSet('Open_vSwitch', [], 'bridges', [br]);
  const { nextCfg, result } = await bumpNextCfgAndWait(client, tx, { timeoutMs: 30_000 });
  assert.ok(nextCfg >= 2, `next_cfg was bumped (also by the timed-out attempt): ${nextCfg}`);
  const t = client.transaction('Open_vSwitch');
  const sel = t.select('Open_vSwitch', [], ['cur_cfg']);
  const brSel = t.select('Bridge', [['_uuid', '==', result.uuid(br)]], ['datapath_id']);
  await t.commit();
  assert.ok(Number(sel.rows[0]!['cur_cfg']) >= nextCfg);
  // vswitchd has really configured the bridge: it wrote back its datapath_id.
  await waitFor('datapath_id', async () => {
    const t2 = client.transaction('Open_vSwitch');
    const s2 = t2.select('Bridge', [['name', '==', 'br-wait']], ['datapath_id']);
    await t2.commit();
    return (s2.rows[0]!['datapath_id'] as string[]).length === 1 || undefined;
  });
  assert.equal(brSel.rows.length, 1);
});
