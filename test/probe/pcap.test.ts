// The probe's decoder and judge on captures recorded in a real netdev lab (seed-netdev, 2 nodes,
// OVN 26.03 / OVS 4.0, fabric VLAN 25): stream-1 (hv1, 203.0.113.71) pinging stream-2 (hv2, 203.0.113.72).
//   hv1-enp2s0f0-out.pcap               tcpdump -Q out on hv1's streaming PF: 3 echo requests
//   hv2-enp2s0f0-both.pcap              both directions on hv2's streaming PF: 2 requests, 2 replies
//   hv1-enp3s0f0-out-rule-missing.pcap  'ip rule from 192.0.2.12' deleted on hv1: the streaming
//                                       VTEP's tunnel left on the storage PF (2 requests)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  arrivals, decodeGeneve, geneveFrames, isProbeFrame, judge, observe, parsePcap, type ProbeNode,
} from '../../src/probe/index.ts';

const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url));
const POD1 = '203.0.113.71';
const POD2 = '203.0.113.72';
const hv1: ProbeNode = { name: 'hv1', pfs: [{ pf: 'enp1s0f0', vtep: '192.0.2.11' }, { pf: 'enp2s0f0', vtep: '192.0.2.12' }, { pf: 'enp3s0f0', vtep: '192.0.2.13' }] };
const hv2: ProbeNode = { name: 'hv2', pfs: [{ pf: 'enp1s0f0', vtep: '192.0.2.21' }, { pf: 'enp2s0f0', vtep: '192.0.2.22' }, { pf: 'enp3s0f0', vtep: '192.0.2.23' }] };
const expect = { source: 'test', localIp: '192.0.2.12', remoteIp: '192.0.2.22', vlan: 25 };

test('pcap: the recorded capture decodes to tagged Geneve frames with the pods inside', async () => {
  const pcap = parsePcap(await fixture('hv2-enp2s0f0-both.pcap'));
  assert.equal(pcap.linkType, 1);
  assert.equal(pcap.packets.length, 4);
  assert.equal(pcap.trailingBytes, 0);
  const frames = geneveFrames(await fixture('hv2-enp2s0f0-both.pcap'));
  assert.deepEqual(frames.map((f) => [f.vlan, f.outerSrc, f.outerDst, f.dstPort, f.vni, f.inner?.src, f.inner?.dst, f.inner?.icmpType]), [
    [25, '192.0.2.12', '192.0.2.22', 6081, 1, POD1, POD2, 8],
    [25, '192.0.2.22', '192.0.2.12', 6081, 1, POD2, POD1, 0],
    [25, '192.0.2.12', '192.0.2.22', 6081, 1, POD1, POD2, 8],
    [25, '192.0.2.22', '192.0.2.12', 6081, 1, POD2, POD1, 0],
  ]);
  // The inner MACs come after the 8 bytes of Geneve options: a parser ignoring the option length reads garbage here.
  assert.equal(frames[0]!.inner?.srcMac, '0a:58:01:02:00:00');
  assert.equal(frames[0]!.srcMac, 'd6:88:ef:ca:cf:16');
  assert.deepEqual(frames.filter((f) => isProbeFrame(f, POD1, POD2)).length, 2);
});

test('pcap: a stream cut mid-record keeps the whole packets; not-pcap, too short and non-Ethernet are named errors', async () => {
  const bytes = await fixture('hv1-enp2s0f0-out.pcap');
  const cut = parsePcap(bytes.subarray(0, bytes.length - 10));
  assert.equal(cut.packets.length, 2);
  assert.ok(cut.trailingBytes > 0);
  assert.throws(() => parsePcap(Buffer.from('not a capture at all, really')), /not a pcap stream: magic/);
  assert.throws(() => parsePcap(bytes.subarray(0, 10)), /global header needs 24 bytes, got 10/);
  assert.throws(() => parsePcap(new Uint8Array(0)), (e: Error & { code?: string }) => e.code === 'pcap-empty');
  const cooked = Buffer.from(bytes);
  cooked.writeUInt32LE(113, 20);
  assert.throws(() => geneveFrames(cooked), /link type 113 is not Ethernet.*not '-i any'/);
});

test('pcap: big-endian and nanosecond files read the same; an untagged frame has vlan null', async () => {
  const le = await fixture('hv1-enp2s0f0-out.pcap');
  // Rewrite the file as big-endian, nanosecond resolution.
  const be = Buffer.from(le);
  be.writeUInt32BE(0xa1b23c4d, 0);
  be.writeUInt16BE(le.readUInt16LE(4), 4);
  be.writeUInt16BE(le.readUInt16LE(6), 6);
  for (const at of [8, 12, 16, 20]) be.writeUInt32BE(le.readUInt32LE(at), at);
  for (let off = 24; off + 16 <= le.length;) {
    const cap = le.readUInt32LE(off + 8);
    be.writeUInt32BE(le.readUInt32LE(off), off);
    be.writeUInt32BE(le.readUInt32LE(off + 4) * 1000, off + 4);
    be.writeUInt32BE(cap, off + 8);
    be.writeUInt32BE(le.readUInt32LE(off + 12), off + 12);
    off += 16 + cap;
  }
  const a = parsePcap(le);
  const b = parsePcap(be);
  assert.deepEqual(b.packets.map((p) => p.timeUs), a.packets.map((p) => p.timeUs));
  assert.deepEqual(geneveFrames(be), geneveFrames(le));
  // Strip the 802.1Q tag of the first frame.
  const frame = Buffer.from(a.packets[0]!.data);
  const untagged = Buffer.concat([frame.subarray(0, 12), frame.subarray(16)]);
  const f = decodeGeneve(untagged);
  assert.equal(f?.vlan, null);
  assert.equal(f?.outerSrc, '192.0.2.12');
  assert.equal(f?.inner?.dst, POD2);
  assert.equal(decodeGeneve(untagged.subarray(0, 30)), null, 'truncated IPv4 header');
  assert.equal(decodeGeneve(untagged, 4789), null, 'not the asked UDP port');
});

test('judge: the recorded path agrees with its own VTEPs, and a wrong expectation names what differs', async () => {
  const out = geneveFrames(await fixture('hv1-enp2s0f0-out.pcap')).filter((f) => isProbeFrame(f, POD1, POD2));
  const inn = geneveFrames(await fixture('hv2-enp2s0f0-both.pcap')).filter((f) => isProbeFrame(f, POD1, POD2));
  const left = observe('hv1', hv1.pfs[1]!, out);
  const { arrived, flooded } = arrivals('hv2', hv2.pfs[1]!, inn);
  assert.deepEqual(left, [{ node: 'hv1', pf: 'enp2s0f0', pfVtep: '192.0.2.12', outerSrc: '192.0.2.12', outerDst: '192.0.2.22', vlan: 25, vni: 1, frames: 3 }]);
  assert.equal(arrived[0]?.frames, 2);
  assert.equal(flooded, 0);
  const ok = judge(expect, hv1, hv2, left, arrived);
  assert.equal(ok.verdict, 'agrees');
  assert.deepEqual([ok.expected.sourcePf, ok.expected.destinationPf], ['enp2s0f0', 'enp2s0f0']);

  const wrong = judge({ ...expect, localIp: '192.0.2.13', remoteIp: '192.0.2.23' }, hv1, hv2, left, arrived);
  assert.equal(wrong.verdict, 'disagrees');
  assert.deepEqual([wrong.expected.sourcePf, wrong.expected.destinationPf], ['enp3s0f0', 'enp3s0f0']);
  assert.ok(wrong.differences.some((d) => d === '3 frames left hv1/enp2s0f0, expected hv1/enp3s0f0'), wrong.differences.join('\n'));
  assert.ok(wrong.differences.some((d) => /2 frames arrived hv2\/enp2s0f0 with outer 192\.0\.2\.12 -> 192\.0\.2\.22, expected 192\.0\.2\.13 -> 192\.0\.2\.23/.test(d)));
  const untagged = judge({ ...expect, vlan: null }, hv1, hv2, left, arrived);
  assert.ok(untagged.differences.some((d) => /vlan 25, expected untagged/.test(d)), untagged.differences.join('\n'));
});

test('judge: frames on a PF addressed to another VTEP are flooding, not arrival; nothing arrived is unreachable', async () => {
  const inn = geneveFrames(await fixture('hv2-enp2s0f0-both.pcap')).filter((f) => isProbeFrame(f, POD1, POD2));
  // The same frames seen on hv2's storage PF (a flooding fabric shows every frame everywhere).
  const onStorage = arrivals('hv2', hv2.pfs[2]!, inn);
  assert.deepEqual(onStorage, { arrived: [], flooded: 2 });
  const out = observe('hv1', hv1.pfs[1]!, geneveFrames(await fixture('hv1-enp2s0f0-out.pcap')).filter((f) => isProbeFrame(f, POD1, POD2)));
  const j = judge(expect, hv1, hv2, out, onStorage.arrived);
  assert.equal(j.verdict, 'unreachable');
  assert.deepEqual(j.differences, []);
});

test('arrivals by VTEP MAC: a frame addressed to another VTEP device of the node arrived on that NIC; copies to other MACs are flooding', async () => {
  const inn = geneveFrames(await fixture('hv2-enp2s0f0-both.pcap')).filter((f) => isProbeFrame(f, POD1, POD2));
  // The requests are addressed to 86:ca:86:37:04:3a, hv2's streaming VTEP device.
  const macs = ['02:00:00:00:00:21', '86:CA:86:37:04:3A', '02:00:00:00:00:23'];
  const withMacs: ProbeNode = { ...hv2, pfs: hv2.pfs.map((p, i) => ({ ...p, mac: macs[i]! })) };
  assert.deepEqual(arrivals('hv2', withMacs.pfs[1]!, inn).arrived.map((o) => [o.pf, o.outerDst, o.frames]), [['enp2s0f0', '192.0.2.22', 2]]);
  assert.deepEqual(arrivals('hv2', withMacs.pfs[2]!, inn), { arrived: [], flooded: 2 });
  // The sender learned the storage VTEP device's MAC for 192.0.2.22 (its tunnel had left on the wrong NIC):
  // the same frames now really come in on the storage PF, which the judge must report, not drop as flooding.
  const swapped: ProbeNode = { ...hv2, pfs: hv2.pfs.map((p, i) => ({ ...p, mac: i === 2 ? '86:ca:86:37:04:3a' : macs[i === 1 ? 2 : i]! })) };
  const onStorage = arrivals('hv2', swapped.pfs[2]!, inn);
  assert.deepEqual([onStorage.arrived.map((o) => [o.pf, o.outerDst]), onStorage.flooded], [[['enp3s0f0', '192.0.2.22']], 0]);
  const out = observe('hv1', hv1.pfs[1]!, geneveFrames(await fixture('hv1-enp2s0f0-out.pcap')).filter((f) => isProbeFrame(f, POD1, POD2)));
  const j = judge(expect, hv1, swapped, out, onStorage.arrived);
  assert.equal(j.verdict, 'disagrees');
  assert.deepEqual(j.differences, ['2 frames arrived hv2/enp3s0f0, expected hv2/enp2s0f0']);
});

test('judge: the rule-missing capture shows the streaming VTEP leaving on the storage PF', async () => {
  const frames = geneveFrames(await fixture('hv1-enp3s0f0-out-rule-missing.pcap')).filter((f) => isProbeFrame(f, POD1, POD2));
  assert.equal(frames.length, 2);
  const left = observe('hv1', hv1.pfs[2]!, frames);
  const j = judge(expect, hv1, hv2, left, []);
  assert.equal(j.verdict, 'disagrees');
  assert.deepEqual(j.differences, [
    '2 frames left hv1/enp3s0f0, expected hv1/enp2s0f0',
    "2 frames left hv1/enp3s0f0 with outer source 192.0.2.12, but that PF's VTEP is 192.0.2.13",
  ]);
});
