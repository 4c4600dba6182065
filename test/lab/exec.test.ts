// `mvtep lab exec POD -- CMD` end to end (in-process main(), real daemons): usage errors and a
// dummy-datapath lab on every release; a ping across geneve from a netdev lab's pod on 26.03.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setupDemo } from '../../src/demo/session.ts';
import { cli, labRoot, repo } from './helpers/labCli.ts';
import { netdevRuntime } from './helpers/netdevRuntime.ts';

test('lab exec: usage errors, no lab, unknown pod, and a dummy-datapath lab refused with the reason', async () => {
  const root = await labRoot('mvtep-labexec-');
  const none = await cli(['lab', 'exec', '--dir', root, 'stream-a', '--', 'true']);
  assert.equal(none.code, 1);
  assert.equal(none.err, `no lab under ${root}\n`, 'the words of `lab status`');
  assert.equal((await cli(['lab', 'status', '--dir', root])).out, none.err);

  const noPod = await cli(['lab', 'exec', '--dir', root]);
  assert.equal(noPod.code, 2);
  assert.match(noPod.err, /the pod is required/);
  const noCmd = await cli(['lab', 'exec', '--dir', root, 'stream-a', 'true']);
  assert.equal(noCmd.code, 2);
  assert.match(noCmd.err, /the command goes after '--'.*got 'true' before it/);
  assert.equal((await cli(['lab', 'exec', '--dir', root, 'stream-a', '--'])).code, 2);

  const up = await cli(['lab', 'up', '--scenario', 'examples/two-node.yaml', '--dir', root, '--json']);
  assert.equal(up.code, 0, up.err);
  const unknown = await cli(['lab', 'exec', '--dir', root, 'nope', '--', 'true']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /lab two-node has no pod 'nope' \(pods: stream-a, stream-b, .*store-b\)/);
  const dummy = await cli(['lab', 'exec', '--dir', root, 'stream-a', '--', 'true']);
  assert.equal(dummy.code, 2);
  assert.match(dummy.err, /pod stream-a has no network namespace: pods have a network namespace only with datapath: netdev \(lab two-node runs datapath: dummy\)/);
  assert.equal((await cli(['lab', 'down', '--dir', root])).code, 0);
});

test('lab exec on a netdev lab: ping crosses geneve, exit codes and --help after -- are the command\'s', async (t) => {
  if (!await netdevRuntime(t)) return;
  const dir = await labRoot('mvtep-labexec-');
  const seed = (await readFile(join(repo, 'examples/seed-netdev.yaml'), 'utf8'));
  const file = join(dir, 'seed-netdev.yaml');
  await writeFile(file, seed);
  const session = await setupDemo({ seedFile: file, nodes: 2, log: () => {} });
  try {
    // Other labs may run under the same root: name this one by its work dir.
    const at = ['--dir', dirname(session.lab.workDir), '--name', basename(session.lab.workDir)];
    // OVS drops the packet that makes it resolve a tunnel's next hop (one per direction): the path
    // is ready once one ping got through, bounded, and from then on every packet must arrive.
    let warm = 0;
    while ((await session.lab.exec('stream-1', ['ping', '-c', '1', '-W', '1', '203.0.113.72'])).code !== 0) {
      assert.ok(++warm < 4, `stream-1 -> stream-2: no reply to ${warm} pings`);
    }
    t.diagnostic(`pings lost while OVS resolved the tunnel neighbours: ${warm}`);
    const ping = await cli(['lab', 'exec', ...at, 'stream-1', '--', 'ping', '-c', '1', '-W', '2', '203.0.113.72']);
    assert.equal(ping.code, 0, ping.out + ping.err);
    assert.match(ping.out, /1 packets transmitted, 1 received/);
    const addr = await cli(['lab', 'exec', ...at, 'stream-2', '--', 'ip', '-br', 'addr', 'show', 'eth0']);
    assert.match(addr.out, /^eth0@\S+\s+UP\s+203\.0\.113\.72\/26/);
    assert.equal((await cli(['lab', 'exec', ...at, 'stream-1', '--', 'false'])).code, 1, "the command's exit status");
    const missing = await cli(['lab', 'exec', ...at, 'stream-1', '--', 'no-such-program-mvtep']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /no-such-program-mvtep/);
    const help = await cli(['lab', 'exec', ...at, 'stream-1', '--', 'true', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: true/, "--help after -- goes to the command, not to mvtep");
    const unknown = await cli(['lab', 'exec', ...at, 'nope', '--', 'true']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /has no pod 'nope' \(pods: .*stream-1.*\)/);
  } finally {
    await session.teardown();
  }
});
