// A source that was asked for and cannot be read is an error, never an
// empty input; checks that lack an input are reported as not run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { startAgent } from '../../src/node/agent/index.ts';
import { captureIo } from '../helpers/cliIo.ts';
import { startServer, type TestServer } from '../ovsdb/server.ts';

let srv: TestServer;
let dir: string;
before(async () => {
  srv = await startServer();
  dir = await mkdtemp(join(tmpdir(), 'mvtep-false-greens-'));
  const c = await OvsdbClient.connect(srv.remote, { reconnect: false });
  try {
    const tx = c.transaction('Open_vSwitch');
    tx.insert('Open_vSwitch', { external_ids: { 'system-id': 'hv1', 'ovn-encap-ip': '192.0.2.1,192.0.2.2', 'ovn-encap-ip-default': '192.0.2.1' } });
    await tx.commit();
  } finally {
    c.close();
  }
});
after(async () => {
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

test('verify --sysfs DIR that cannot be read exits 2 naming it (it used to report "0 errors")', async () => {
  const io = captureIo({}, '/');
  const missing = join(dir, 'nonexistent');
  assert.equal(await main(['verify', '--ovsdb', srv.remote, '--sysfs', missing], io), 2, io.err() + io.out());
  assert.match(io.err(), /sriov-sysfs-unreadable.*nonexistent/);
  assert.equal(io.out(), '');
  const json = captureIo({}, '/');
  assert.equal(await main(['verify', '--ovsdb', srv.remote, '--sysfs', missing, '--json'], json), 2);
  assert.equal(JSON.parse(json.out()).code, 'sriov-sysfs-unreadable');
});

test('verify without --sysfs says which checks did not run and how many ran', async () => {
  const io = captureIo({}, '/');
  // Findings or not (exit 0/1) is not the point here: the coverage line is.
  assert.ok([0, 1].includes(await main(['verify', '--ovsdb', srv.remote, '--ovn-version', '25.03.0'], io)), io.err());
  const m = /(\d+) of (\d+) checks ran; not run: (.*)/.exec(io.out());
  assert.ok(m, io.out());
  assert.ok(Number(m[1]) < Number(m[2]));
  assert.match(m[3]!, /encap-ip-mismatch, pf-unmapped \(need --sysfs\)/);
  assert.match(m[3]!, /rule-missing.*\(need --netns or --routing\)/);
  const json = captureIo({}, '/');
  await main(['verify', '--ovsdb', srv.remote, '--ovn-version', '25.03.0', '--json'], json);
  const report = JSON.parse(json.out()) as { checks: { ran: number; total: number; notRun: { check: string; missing: string[] }[] } };
  assert.deepEqual(report.checks.notRun.find((n) => n.check === 'pf-unmapped')?.missing, ['sysfs']);
  // With a readable (empty) sysfs the sysfs checks run.
  const sys = join(dir, 'sys');
  await mkdir(join(sys, 'bus/pci/devices'), { recursive: true });
  const withSys = captureIo({}, '/');
  assert.ok([0, 1].includes(await main(['verify', '--ovsdb', srv.remote, '--ovn-version', '25.03.0', '--sysfs', sys], withSys)), withSys.err());
  assert.doesNotMatch(withSys.out(), /pf-unmapped \(need/);
});

test('agent: a sysfs that cannot be read is refused by the CLI (exit 2) and makes the library agent unhealthy', async () => {
  const io = captureIo({}, '/');
  assert.equal(await main(['agent', '--ovsdb', srv.remote, '--sysfs', join(dir, 'nonexistent')], io), 2);
  assert.match(io.err(), /sriov-sysfs-unreadable/);
  const agent = await startAgent({ ovsdb: srv.remote, sysfsRoot: join(dir, 'nonexistent') });
  try {
    await agent.ready;
    assert.equal(agent.stats.connected && agent.stats.synced, true);
    assert.equal(agent.healthy(), false);
  } finally {
    await agent.stop();
  }
});
