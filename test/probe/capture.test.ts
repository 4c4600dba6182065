// The probe's capture on a real tcpdump (root): Geneve datagrams sent to 127.0.0.1:6081 are captured
// on lo, decoded, and the capture is bounded by count and by time and gone after stop().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Capture, CaptureError, captureArgv, captureFilter, geneveFrames } from '../../src/probe/index.ts';
import { notYet, pollUntil, ready } from '../../src/util/wait.ts';

const root = process.getuid?.() === 0;
const skip = root ? false : 'needs root (tcpdump)';

/** A Geneve payload (no options, VNI `vni`) carrying an ICMP echo request 203.0.113.71 -> 203.0.113.72. */
function genevePayload(vni: number): Buffer {
  const geneve = Buffer.from([0, 0, 0x65, 0x58, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0]);
  const eth = Buffer.from([0x0a, 0x58, 2, 2, 0, 0, 0x0a, 0x58, 1, 2, 0, 0, 0x08, 0x00]);
  const ip = Buffer.from([0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 1, 0, 0, 203, 0, 113, 71, 203, 0, 113, 72]);
  const icmp = Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]);
  return Buffer.concat([geneve, eth, ip, icmp]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('capture argv: tcpdump with Ethernet headers, direction, count and pcap on stdout, entered into the netns', () => {
  assert.deepEqual(captureArgv({ netns: 'mvlabcde-c1', device: 'enp2s0f0', direction: 'out', filter: 'udp', maxPackets: 7, maxMs: 1 }),
    ['ip', 'netns', 'exec', 'mvlabcde-c1', 'tcpdump', '-e', '-n', '-U', '--immediate-mode', '-Q', 'out', '-i', 'enp2s0f0', '-c', '7', '-w', '-', 'udp']);
  assert.equal(captureFilter(['192.0.2.11', '192.0.2.21']),
    '(udp port 6081 and (host 192.0.2.11 or host 192.0.2.21)) or (vlan and udp port 6081 and (host 192.0.2.11 or host 192.0.2.21))');
});

test('capture on lo: Geneve datagrams decoded, other UDP filtered out, tcpdump gone after stop', { skip }, async () => {
  const cap = await Capture.start({ device: 'lo', direction: 'in', filter: captureFilter(['127.0.0.1']), maxPackets: 50, maxMs: 10_000 }, 5000);
  const sock = createSocket('udp4');
  try {
    assert.ok(alive(cap.pid));
    const send = (port: number, b: Buffer) => new Promise<void>((res, rej) => sock.send(b, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
    await send(6082, genevePayload(9));
    await send(6081, genevePayload(5));
    await send(6081, genevePayload(6));
    const frames = await pollUntil(async () => {
      const f = geneveFrames(cap.bytes());
      return f.length >= 2 ? ready(f) : notYet(`${f.length} frames`);
    }, 5000, { onTimeout: (why) => new Error(`capture saw ${why}`) });
    assert.deepEqual(frames.map((f) => [f.outerSrc, f.outerDst, f.dstPort, f.vni, f.vlan, f.inner?.src, f.inner?.dst, f.inner?.icmpType]), [
      ['127.0.0.1', '127.0.0.1', 6081, 5, null, '203.0.113.71', '203.0.113.72', 8],
      ['127.0.0.1', '127.0.0.1', 6081, 6, null, '203.0.113.71', '203.0.113.72', 8],
    ]);
  } finally {
    sock.close();
    await cap.stop();
  }
  assert.equal(cap.done, true);
  assert.equal(alive(cap.pid), false, `tcpdump ${cap.pid} still running`);
});

test('capture bounds: it ends after maxPackets frames, or after maxMs with nothing seen', { skip }, async () => {
  const counted = await Capture.start({ device: 'lo', direction: 'in', filter: captureFilter(['127.0.0.1']), maxPackets: 1, maxMs: 10_000 }, 5000);
  const sock = createSocket('udp4');
  try {
    await new Promise<void>((res, rej) => sock.send(genevePayload(1), 6081, '127.0.0.1', (e) => (e ? rej(e) : res())));
    await pollUntil(async () => (counted.done ? ready(true) : notYet('still running')), 5000, { onTimeout: () => new Error('tcpdump -c 1 did not exit') });
    assert.equal(counted.timedOut, false);
    assert.equal(geneveFrames(counted.bytes()).length, 1);
  } finally {
    sock.close();
    await counted.stop();
  }
  const t0 = Date.now();
  const timed = await Capture.start({ device: 'lo', direction: 'in', filter: 'udp port 6081 and host 198.51.100.1', maxPackets: 10, maxMs: 300 }, 5000);
  try {
    await pollUntil(async () => (timed.done ? ready(true) : notYet('still running')), 5000, { onTimeout: () => new Error('maxMs did not end the capture') });
    assert.equal(timed.timedOut, true);
    assert.ok(Date.now() - t0 < 4000);
    assert.equal(alive(timed.pid), false);
  } finally {
    await timed.stop();
  }
});

test('capture on a device that does not exist: a CaptureError naming it and tcpdump\'s reason', { skip }, async () => {
  await assert.rejects(Capture.start({ device: 'mvtep-nodev0', direction: 'in', filter: 'udp', maxPackets: 1, maxMs: 5000 }, 5000),
    (e: unknown) => e instanceof CaptureError && e.code === 'probe-capture-failed' && /tcpdump on mvtep-nodev0 exited \d+: .*mvtep-nodev0/s.test(e.message));
  await assert.rejects(Capture.start({ device: 'lo', direction: 'in', filter: 'udp', maxPackets: 1, maxMs: 5000, tcpdump: '/nonexistent/tcpdump' }, 5000),
    /cannot run \/nonexistent\/tcpdump/);
});

test('a SIGTERM to the process while a capture runs ends the capture too, and the process still dies of SIGTERM', { skip }, async () => {
  const lib = new URL('../../src/probe/index.ts', import.meta.url).href;
  const script = `const { Capture } = await import(${JSON.stringify(lib)});
    const c = await Capture.start({ device: 'lo', direction: 'in', filter: 'udp port 6081 and host 198.51.100.1', maxPackets: 10, maxMs: 60000 }, 5000);
    process.stdout.write(c.pid + '\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_code, sig) => res(sig)));
  let out = '';
  const pid = await new Promise<number>((res, rej) => {
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); const m = /^(\d+)\n/.exec(out); if (m) res(Number(m[1])); });
    child.once('exit', () => rej(new Error(`child exited before starting a capture: ${out}`)));
  });
  assert.ok(alive(pid));
  child.kill('SIGTERM');
  assert.equal(await exited, 'SIGTERM');
  await pollUntil(async () => (alive(pid) ? notYet(`tcpdump ${pid} alive`) : ready(true)), 5000, { onTimeout: (why) => new Error(why) });
});
