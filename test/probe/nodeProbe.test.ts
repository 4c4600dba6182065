// The real-node probe's parts that need no node: the echo request frame (checksums a receiver would
// verify, the fields the probe's decoder matches), the ovs-ofctl packet-out argv, and the bounds and
// bad input checked before any capture starts; not root is refused first, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { echoRequestFrame, internetChecksum, packetOutArgv, planNodeProbe, PROBE_ICMP_ID, type NodeProbeOptions } from '../../src/probe/index.ts';

const repo = new URL('../../', import.meta.url).pathname;
const req = { srcMac: '0a:58:01:02:00:00', dstMac: '0a:58:02:02:00:00', srcIp: '203.0.113.71', dstIp: '203.0.113.72', id: PROBE_ICMP_ID, seq: 1 };

test('echo request frame: Ethernet/IPv4/ICMP with valid checksums and the pods\' addresses', () => {
  const f = echoRequestFrame(req);
  assert.equal(f.length, 14 + 20 + 8 + 32);
  assert.equal(Buffer.from(f.subarray(0, 12)).toString('hex'), '0a58020200000a5801020000');
  assert.equal((f[12]! << 8) | f[13]!, 0x0800);
  assert.equal(f[14], 0x45);
  assert.equal(f[14 + 9], 1, 'protocol ICMP');
  assert.deepEqual([...f.subarray(26, 34)], [203, 0, 113, 71, 203, 0, 113, 72]);
  // A header and a message whose checksums are right sum to zero.
  assert.equal(internetChecksum(f, 14, 34), 0);
  assert.equal(internetChecksum(f, 34, f.length), 0);
  assert.deepEqual([f[34], (f[38]! << 8) | f[39]!, (f[40]! << 8) | f[41]!], [8, PROBE_ICMP_ID, 1]);
  // RFC 1071's example: 0x0001 0xf203 0xf4f5 0xf6f7 sums to 0xddf2, so its checksum is 0x220d.
  assert.equal(internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])), 0x220d);
  // An odd length pads with a zero byte.
  assert.equal(internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2])), ~(0x0001 + 0xf200) & 0xffff);
  assert.throws(() => echoRequestFrame({ ...req, srcMac: '0a:58:01:02:00' }), /srcMac: '0a:58:01:02:00' is not a MAC address/);
  assert.throws(() => echoRequestFrame({ ...req, dstIp: '203.0.113.256' }), /dstIp: '203\.0\.113\.256' is not an IPv4 address/);
  assert.throws(() => echoRequestFrame({ ...req, seq: 70000 }), /seq: 70000 is not an integer from 0 to 65535/);
});

test('packet-out argv: one word per argument, the frame in hex, through the table at the pod\'s port', () => {
  const f = echoRequestFrame(req);
  assert.deepEqual(packetOutArgv(['ovs-ofctl'], 'br-int', 7, f), ['ovs-ofctl', 'packet-out', 'br-int', `in_port=7,packet=${Buffer.from(f).toString('hex')},actions=table`]);
  assert.equal(packetOutArgv(['/x/ld.so', '/x/ovs-ofctl'], 'unix:/run/openvswitch/br-int.mgmt', 7, f)[3], 'unix:/run/openvswitch/br-int.mgmt');
  for (const port of [0, -1, 65280, 1.5]) assert.throws(() => packetOutArgv(['ovs-ofctl'], 'br-int', port, f), /not an OpenFlow port number of a pod/);
  for (const target of ['--strict', 'br int', 'br-int;reboot', '']) {
    assert.throws(() => packetOutArgv(['ovs-ofctl'], target, 7, f), (e: Error & { code?: string }) => e.code === 'probe-bad-target');
  }
});

const opts: NodeProbeOptions = {
  from: { name: 'stream-1', ofport: 7, mac: req.srcMac, ip: req.srcIp }, to: { name: 'stream-2', mac: req.dstMac, ip: req.dstIp },
  node: { name: 'hv1', pfs: [{ pf: 'enp2s0f0', vtep: '192.0.2.12' }] }, expect: { source: 'test', localIp: '192.0.2.12', remoteIp: '192.0.2.22' },
};

test('node probe bounds: count 1-100, the requests must fit in the timeout, a node needs a PF; one frame per request', () => {
  const p = planNodeProbe(opts);
  assert.deepEqual([p.count, p.timeoutMs, p.argvs.length], [3, 5000, 3]);
  // Each request its own sequence number (the ICMP checksum changes with it).
  assert.equal(new Set(p.argvs.map((a) => a[3])).size, 3);
  for (const count of [0, 101, 2.5]) assert.throws(() => planNodeProbe({ ...opts, count }), /give 1 to 100 echo requests/);
  assert.throws(() => planNodeProbe({ ...opts, count: 30, timeoutMs: 5000 }), /30 echo requests 200 ms apart need about 6\.8 s, more than the timeout of 5 s/);
  assert.throws(() => planNodeProbe({ ...opts, node: { name: 'hv1', pfs: [] } }), /node hv1 has no PF to capture on/);
});

test('node probe: not root is refused before anything starts, saying why', { skip: process.getuid?.() === 0 ? false : 'needs root to switch to an unprivileged user' }, () => {
  const script = `import('${join(repo, 'src/probe/index.ts')}').then((m) => m.runNodeProbe(${JSON.stringify(opts)}))`
    + `.then(() => process.exit(0), (e) => { console.log(JSON.stringify({ code: e.code, message: e.message })); process.exit(2); })`;
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', cwd: repo, timeout: 60_000, env: { ...process.env, TSX_TSCONFIG_PATH: join(repo, 'tsconfig.json') } });
  assert.equal(r.status, 2, r.stderr);
  const e = JSON.parse(r.stdout) as { code: string; message: string };
  assert.equal(e.code, 'probe-needs-root');
  assert.match(e.message, /^mvtep probe --node needs root: it captures with tcpdump on the PF netdevs and injects packets into br-int with ovs-ofctl \(running as uid \d+\); run it with sudo$/);
});
