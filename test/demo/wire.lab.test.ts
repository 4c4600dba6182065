// Integration, real packets: `mvtep demo` on the netdev datapath (release 26.03). Every cross-node pod
// pair pings while tcpdump captures on every PF; the steering table says `wire` for each path seen on
// its own NICs at both ends, and after a break shows the packet on the wrong NIC; --json carries the
// wire evidence. Skipped with the reason when release 26.03 is not installed, or when this test run
// selected another release (CI runs the suite once per release; this belongs to the 26.03 pass).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { main } from '../../src/cli/main.ts';
import { findRuntime, RELEASE_ENV } from '../../src/lab/runtime.ts';
import { captureIo } from '../helpers/cliIo.ts';

async function skipReason(): Promise<string | undefined> {
  const asked = process.env[RELEASE_ENV];
  if (asked && asked !== '26.03') return `${RELEASE_ENV}=${asked}: the netdev demo needs release 26.03 (OVS >= 3.7)`;
  if (!await findRuntime({ release: '26.03' })) return "release 26.03 is not installed ('mvtep runtime install --release 26.03')";
  return undefined;
}

/** Named netns left by the demo's lab (bind mounts under /run/netns). */
async function netnsOf(labId: string): Promise<string[]> {
  return (await readdir('/run/netns').catch(() => [] as string[])).filter((n) => n.startsWith(`mvl${labId}-`));
}

/** The table lines between a heading and the summary line. */
function table(out: string, heading: string): string[] {
  const lines = out.split('\n');
  const at = lines.indexOf(heading);
  assert.ok(at >= 0, `no '${heading}' in:\n${out}`);
  const end = lines.findIndex((l, i) => i > at && /^\d+ chassis, /.test(l));
  return lines.slice(at + 2, end);
}

test('demo --datapath netdev --break rule-missing: every path "wire", then the broken pod\'s packets on the wrong NIC', { timeout: 240_000 }, async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const io = captureIo({ ...process.env, [RELEASE_ENV]: '26.03' });
  const code = await main(['demo', '--no-ui', '--nodes', '2', '--datapath', 'netdev', '--break', 'rule-missing'], io);
  const out = io.out();
  assert.equal(code, 0, `${out}\n${io.err()}`);
  assert.match(io.err(), /datapath netdev, OVN 26\.03\.\d+ \/ OVS 4\.\d+\.\d+ \(--datapath netdev\)/);
  const healthy = table(out, 'Steering (healthy):');
  assert.equal(healthy.length, 6, healthy.join('\n'));
  for (const l of healthy) assert.match(l, /\s+wire$/, l);
  assert.match(out, /^wire: 6\/6 paths seen on their own NICs at both ends \(ping, 3 echo requests per pair, 12 tcpdumps on the PFs, [\d.]+ s\)$/m);

  // OVS's main table sends hv1's streaming VTEP out of the storage VTEP's device: the wire shows it leave on the storage PF.
  assert.match(out, /Break 'rule-missing': deleted 'ip rule from 192\.0\.2\.12 lookup 6082' in hv1's netns: OVS .* out of vtep2/);
  const broken = table(out, 'Steering (after the break):');
  const stream1 = broken.find((l) => l.startsWith('stream-1 '))!;
  assert.match(stream1, /WRONG NIC on the wire: left hv1\/enp3s0f0 \(192\.0\.2\.12 -> 192\.0\.2\.22, vlan 25\), arrived hv2\/enp2s0f0 .*\[expected hv1\/enp2s0f0 -> hv2\/enp2s0f0, 192\.0\.2\.12 -> 192\.0\.2\.22\] \(trace: WRONG NIC\)$/);
  // The paths that do not involve hv1's streaming VTEP stay on their NICs.
  for (const pod of ['mgmt-1', 'storage-1', 'mgmt-2', 'storage-2']) assert.match(broken.find((l) => l.startsWith(`${pod} `))!, /\s+wire$/, pod);
  assert.match(out, /verify caught it: yes; trace shows stream-1 on the wrong NIC: yes; the wire shows its packets on the wrong NIC: yes/);
  assert.match(out, /^ {2}stream-1 -> stream-2: WRONG NIC on the wire: left hv1\/enp3s0f0/m);
  const id = /lab seed-netdev2 \(([0-9a-z]{5})\)/.exec(io.err())?.[1];
  assert.ok(id, io.err());
  assert.deepEqual(await netnsOf(id), [], 'the lab\'s netns are gone');
});

interface WireJson {
  from: string; to: string; verdict: string; text: string; sent: number; replies: number;
  expected: { localIp: string; remoteIp: string; sourcePf: string; destinationPf: string; vlan: number };
  left: { node: string; pf: string; outerSrc: string; outerDst: string; vlan: number; frames: number }[];
  arrived: { node: string; pf: string; outerSrc: string; outerDst: string; frames: number }[];
  differences: string[];
}

test('demo --json on 26.03 (netdev by default) --break encap-ip-mismatch: the wire evidence, healthy and broken', { timeout: 240_000 }, async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const io = captureIo({ ...process.env, [RELEASE_ENV]: '26.03' });
  const code = await main(['demo', '--no-ui', '--nodes', '2', '--break', 'encap-ip-mismatch', '--json'], io);
  assert.equal(code, 0, io.err());
  const j = JSON.parse(io.out()) as {
    datapath: string; release: string; allConfirmed: boolean; injected: { pod: string };
    verdict: { caught: boolean; wrongNicShown: boolean; wireWrongNic: boolean; wireEvidence: string[] };
    wire: { healthy: { paths: WireJson[]; captures: number }; broken: { paths: WireJson[] } };
  };
  assert.deepEqual([j.datapath, j.release, j.allConfirmed], ['netdev', '26.03', true]);
  assert.equal(j.wire.healthy.captures, 12);
  assert.equal(j.wire.healthy.paths.length, 6);
  for (const p of j.wire.healthy.paths) {
    assert.equal(p.verdict, 'wire', p.text);
    // Outer source and destination are the two pods' VTEPs, on the pods' own PFs at both ends.
    assert.deepEqual(p.left.map((o) => [o.pf, o.outerSrc, o.outerDst, o.vlan]), [[p.expected.sourcePf, p.expected.localIp, p.expected.remoteIp, 25]], p.from);
    assert.deepEqual(p.arrived.map((o) => [o.node, o.pf, o.outerDst]), [[p.to.replace(/^.*-/, 'hv'), p.expected.destinationPf, p.expected.remoteIp]], p.from);
    assert.ok(p.left[0]!.frames >= 1 && p.replies >= 1, `${p.from} -> ${p.to}: ${p.sent} sent, ${p.replies} replies`);
  }
  // storage-1's encap-ip is hv1's management VTEP: its packets leave on the management PF, from 192.0.2.11.
  assert.equal(j.injected.pod, 'storage-1');
  assert.deepEqual([j.verdict.caught, j.verdict.wrongNicShown, j.verdict.wireWrongNic], [true, true, true]);
  const out = j.wire.broken.paths.find((p) => p.from === 'storage-1' && p.to === 'storage-2')!;
  assert.equal(out.verdict, 'wrong-nic');
  assert.deepEqual(out.left.map((o) => [o.node, o.pf, o.outerSrc, o.outerDst]), [['hv1', 'enp1s0f0', '192.0.2.11', '192.0.2.23']]);
  assert.deepEqual([out.expected.sourcePf, out.expected.localIp], ['enp3s0f0', '192.0.2.13']);
  assert.ok(out.differences.some((d) => /left hv1\/enp1s0f0, expected hv1\/enp3s0f0/.test(d)), out.differences.join('\n'));
  assert.ok(j.verdict.wireEvidence.some((e) => e.startsWith('storage-1 -> storage-2: WRONG NIC on the wire: left hv1/enp1s0f0')), j.verdict.wireEvidence.join('\n'));
  // The other NICs' paths are untouched.
  for (const p of j.wire.broken.paths.filter((x) => !x.from.startsWith('storage') && !x.to.startsWith('storage'))) assert.equal(p.verdict, 'wire', p.text);
});
