// Next to ovnkube-node, a PF mapping it cannot parse fails every SR-IOV pod
// add on the node: that consequence is the severity (--compat ovn-kubernetes,
// detected from the keys ovnkube-node writes).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { runCli } from '../helpers/cliIo.ts';
import { startServer, type TestServer } from '../ovsdb/server.ts';

let srv: TestServer;
const OVNKUBE_IDS = { hostname: 'worker-1', 'ovn-set-local-ip': 'true', 'ovn-ofctrl-wait-before-clear': '0' };
before(async () => {
  srv = await startServer();
  const c = await OvsdbClient.connect(srv.remote, { reconnect: false });
  try {
    const tx = c.transaction('Open_vSwitch');
    tx.insert('Open_vSwitch', { external_ids: {
      'system-id': 'hv2', 'ovn-encap-ip': '192.0.2.11,2001:db8:1::11', 'ovn-pf-encap-ip-mapping': 'pfa:192.0.2.11,pfb:2001:db8:1::11', ...OVNKUBE_IDS,
    } });
    await tx.commit();
  } finally {
    c.close();
  }
});
after(async () => {
  await srv.stop();
});

const spec = new URL('../../examples/node-dualstack.yaml', import.meta.url).pathname;

const cli = runCli;

test('config check: an IPv6 mapping is an error where ovnkube-node runs (detected), a warning with --compat none', async () => {
  const auto = await cli(['config', 'check', '--ovsdb', srv.remote]);
  assert.equal(auto.code, 1, auto.out);
  assert.match(auto.out, /error \[ovnkube-rejects-mapping\] \(--compat ovn-kubernetes\): .*fails every SR-IOV pod add/);
  assert.match(auto.out, /compat: ovn-kubernetes/);
  const none = await cli(['config', 'check', '--ovsdb', srv.remote, '--compat', 'none']);
  assert.equal(none.code, 0, none.out);
  assert.match(none.out, /warning \[ovnkube-rejects-mapping\]/);
  // Without a database nothing shows ovnkube-node: explicit --compat makes it an error.
  const given = await cli(['config', 'check', '--encap-ip', '192.0.2.1,2001:db8::1', '--mapping', 'p0:2001:db8::1', '--compat', 'ovn-kubernetes', '--json']);
  assert.equal(given.code, 1);
  const j = JSON.parse(given.out) as { ok: boolean; compat: string; errors: { code: string }[] };
  assert.equal(j.ok, false);
  assert.equal(j.compat, 'ovn-kubernetes');
  assert.ok(j.errors.some((e) => e.code === 'ovnkube-rejects-mapping'));
  assert.equal((await cli(['config', 'check', '--mapping', 'p0:192.0.2.1', '--compat', 'calico'])).code, 2);
});

test('node plan reports an IPv6 VTEP next to ovnkube-node as an error; node apply refuses it unless --force', async () => {
  const plan = await cli(['node', 'plan', '--spec', spec, '--ovsdb', srv.remote, '--json']);
  const problems = (JSON.parse(plan.out) as { problems: { code: string; severity: string; message: string }[] }).problems;
  const v6 = problems.find((p) => p.code === 'ipv6-mapping');
  assert.equal(v6?.severity, 'error', plan.out);
  assert.match(v6.message, /every SR-IOV pod add would fail/);
  assert.equal(plan.code, 1);
  const none = await cli(['node', 'plan', '--spec', spec, '--ovsdb', srv.remote, '--compat', 'none', '--json']);
  assert.equal((JSON.parse(none.out) as { problems: { code: string; severity: string }[] }).problems.find((p) => p.code === 'ipv6-mapping')?.severity, 'warning');
  // --dry-run: the pre-apply checks run, nothing is ever written.
  const refused = await cli(['node', 'apply', '--spec', spec, '--ovsdb', srv.remote, '--dry-run']);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /underlay-check-failed[\s\S]*ipv6-mapping|underlay-check-failed[\s\S]*IPv6 entries/);
  const forced = await cli(['node', 'apply', '--spec', spec, '--ovsdb', srv.remote, '--dry-run', '--force', '--json']);
  const fp = (JSON.parse(forced.out) as { problems: { code: string; severity: string; message: string }[] }).problems.find((p) => p.code === 'ipv6-mapping');
  assert.equal(fp?.severity, 'warning', forced.out + forced.err);
  assert.match(fp.message, /written anyway: --force/);
});
