// Integration: `mvtep verify --zones` on a real interconnect lab (2 zones,
// real ovn-ic, 2 VTEPs per node; an L2 stretched switch and an L3 transit
// switch). Fresh: remote pod ports have no encap, so their destination is
// arbitrary; a hand-written wrong encap is drift; the right one everywhere
// clears both; a snapshot gives the same findings; a dead zone exits 3.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Lab } from '../../src/lab/index.ts';
import { loadZonesFile, type ZonesFile } from '../../src/config/index.ts';
import { gatherState } from '../../src/observe/index.ts';
import { runChecks, type Finding, type VerifyReport } from '../../src/verify/index.ts';
import type { DashboardView } from '../../src/web/index.ts';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../helpers/cliIo.ts';
import { startTestLab } from '../lab/helpers/labLifecycle.ts';
import { chassisEntry } from '../lab/helpers/scenarioText.ts';

const SCENARIO = `
name: icv
encapType: geneve
interconnect:
  transitSubnet: 198.51.100.0/24
switches:
  - name: ls-l2
    subnet: 203.0.113.0/26
  - { name: ls-hv1, subnet: 203.0.113.64/28, node: hv1 }
  - { name: ls-hv2, subnet: 203.0.113.80/28, node: hv2 }
chassis:
${chassisEntry('hv1', ['192.0.2.11', '192.0.2.12'])}
${chassisEntry('hv2', ['192.0.2.21', '192.0.2.22'])}
pods:
  - { name: a1, chassis: hv1, pf: enp1s0f0, vf: 0, switch: ls-l2, ip: 203.0.113.11, encapIp: 192.0.2.11 }
  - { name: a2, chassis: hv1, pf: enp2s0f0, vf: 0, switch: ls-l2, ip: 203.0.113.12, encapIp: 192.0.2.12 }
  - { name: b1, chassis: hv2, pf: enp1s0f0, vf: 0, switch: ls-l2, ip: 203.0.113.21, encapIp: 192.0.2.21 }
  - { name: b2, chassis: hv2, pf: enp2s0f0, vf: 0, switch: ls-l2, ip: 203.0.113.22, encapIp: 192.0.2.22 }
  - { name: c1, chassis: hv1, pf: enp1s0f0, vf: 1, switch: ls-hv1, ip: 203.0.113.66, encapIp: 192.0.2.11 }
  - { name: d1, chassis: hv2, pf: enp2s0f0, vf: 1, switch: ls-hv2, ip: 203.0.113.82, encapIp: 192.0.2.22 }
`;

let root: string;
let lab: Lab | undefined;
let down = async (): Promise<void> => {};
let zones: ZonesFile;

before(async () => {
  ({ lab, root, down } = await startTestLab(SCENARIO, 'icv.yaml', 'mvtep-icverify-'));
  zones = await loadZonesFile((await lab.status()).zonesFile!);
});

after(() => down());

const l2Pods = () => Object.values(lab!.pods).filter((p) => p.switch === 'ls-l2');
const other = (zone: string) => (zone === 'hv1' ? 'hv2' : 'hv1');

async function findings(): Promise<Finding[]> {
  return runChecks(await gatherState({ zones, timeoutMs: 10_000 })).filter((f) => f.check.startsWith('ic-'));
}

const brief = (f: readonly Finding[]) => f.map((x) => `${x.severity} ${x.check} ${x.subject}`).sort();

/** Points remote port `lport` in zone `zone` at the Encap row of its chassis with `ip` (geneve). */
async function pin(zone: string, chassis: string, lport: string, ip: string): Promise<void> {
  const uuid = (await lab!.zoneSbctl(zone, ['--bare', '--columns=_uuid', 'find', 'Encap', `chassis_name=${chassis}`, `ip=${ip}`, 'type=geneve'])).trim();
  assert.match(uuid, /^[0-9a-f-]{36}$/, `zone ${zone} has a geneve Encap ${ip} of ${chassis}`);
  await lab!.zoneSbctl(zone, ['set', 'Port_Binding', lport, `encap=${uuid}`]);
}

async function run<T>(command: string, argv: string[]): Promise<{ code: number; out: T }> {
  const io = captureIo();
  const code = await main([command, ...argv, '--json'], io);
  assert.equal(io.err(), '', argv.join(' '));
  return { code, out: JSON.parse(io.out()) as T };
}

async function cli(argv: string[]): Promise<{ code: number; report: VerifyReport }> {
  const { code, out } = await run<VerifyReport>('verify', argv);
  return { code, report: out };
}

interface TraceJson {
  determined: boolean;
  remoteIp: string | null;
  candidates: { remoteIp: string }[];
  interconnect: { sourceZone: string; destinationZone: string; remotePort: { lport: string; transit: boolean; encapIp: string | null }; verdict: string };
  confirm: { agrees: boolean; observed: { remoteIp: string } | null };
}

/** trace --zones --confirm a1 -> b2 (hv1 -> hv2, L2): ofproto/trace on hv1 must agree with the explanation. */
async function traceA1B2(): Promise<TraceJson> {
  const { code, out } = await run<TraceJson>('trace', ['--zones', zones.file, '--from', lab!.pods['a1']!.lport, '--to', lab!.pods['b2']!.lport, '--confirm']);
  assert.equal(code, 0, JSON.stringify(out.confirm));
  assert.equal(out.confirm.agrees, true);
  assert.deepEqual([out.interconnect.sourceZone, out.interconnect.destinationZone], ['hv1', 'hv2']);
  return out;
}

test('fresh IC lab: remote pod ports have an arbitrary destination (errors); transit ports are warnings; nothing else', async () => {
  const f = await findings();
  const errors = f.filter((x) => x.severity === 'error');
  assert.deepEqual(brief(errors), ['error ic-destination-arbitrary chassis hv1', 'error ic-destination-arbitrary chassis hv2']);
  for (const e of errors) {
    const node = e.subject.split(' ')[1]!;
    const pods = l2Pods().filter((p) => p.chassis === node).map((p) => `${p.lport} in ${other(node)}`).sort();
    assert.match(e.message, new RegExp(`^${pods.length} remote port\\(s\\) of ${pods.length} pod\\(s\\) homed on ${node} .* in 1 zone\\(s\\) \\(${other(node)}\\): .*e\\.g\\. ${pods.join(', ')}$`));
  }
  // The L3 network reaches the other node through its transit port: no pod of its own, so no home VTEP to compare with.
  const warnings = f.filter((x) => x.severity === 'warning');
  assert.deepEqual(brief(warnings), ['warning ic-destination-arbitrary chassis hv1', 'warning ic-destination-arbitrary chassis hv2']);
  const { code, report } = await cli(['--zones', zones.file]);
  assert.equal(code, 1);
  assert.deepEqual(report.scope.zones, ['hv1', 'hv2']);
  assert.deepEqual(report.scope.unreachableZones, []);
  // trace agrees: the destination is one of b2's node's VTEPs, chosen by OVN, and ofproto/trace takes one of them.
  const t = await traceA1B2();
  assert.equal(t.determined, false);
  assert.deepEqual(t.candidates.map((c) => c.remoteIp).sort(), ['192.0.2.21', '192.0.2.22']);
  assert.equal(t.interconnect.verdict, 'arbitrary');
  assert.deepEqual(t.interconnect.remotePort, { lport: lab!.pods['b2']!.lport, transit: false, encapIp: null });
  assert.ok(t.candidates.some((c) => c.remoteIp === t.confirm.observed?.remoteIp));
});

test('a wrong encap written in one zone is steering drift; a snapshot of it gives the same findings', async () => {
  const b2 = lab!.pods['b2']!;
  await pin('hv1', 'hv2', b2.lport, '192.0.2.21');
  const f = await findings();
  const drift = f.filter((x) => x.check === 'ic-steering-drift');
  assert.equal(drift.length, 1);
  assert.equal(drift[0]!.subject, 'chassis hv2');
  assert.match(drift[0]!.message, new RegExp(`${b2.lport} \\(192\\.0\\.2\\.21, home 192\\.0\\.2\\.22\\) in hv1`));

  const file = join(root, 'state.json');
  const live = await cli(['--zones', zones.file, '--dump-state', file]);
  const snap = await cli(['--snapshot', file]);
  assert.equal(live.code, 1);
  assert.equal(snap.code, 1);
  assert.deepEqual(snap.report.findings, live.report.findings);
  assert.ok(snap.report.findings.some((x) => x.check === 'ic-steering-drift'));
  const t = await run<TraceJson>('trace', ['--snapshot', file, '--from', lab!.pods['a1']!.lport, '--to', b2.lport]);
  assert.equal(t.code, 0);
  assert.deepEqual([t.out.interconnect.verdict, t.out.remoteIp], ['wrong', '192.0.2.21'], 'offline, from the snapshot: the drift is the path');
  const state = JSON.parse(await readFile(file, 'utf8')) as { zones: { name: string; southbound: { chassis: { name: string; otherConfig?: object }[] } }[] };
  const hv1 = state.zones.find((z) => z.name === 'hv1')!;
  assert.deepEqual(hv1.southbound.chassis.map((c) => [c.name, c.otherConfig]).sort(), [['hv1', undefined], ['hv2', { 'is-remote': 'true' }]]);
});

test('the right encap on every remote pod port: arbitrary and drift findings gone, exit 0', async () => {
  for (const zone of ['hv1', 'hv2']) {
    for (const p of l2Pods().filter((q) => q.chassis === other(zone))) await pin(zone, p.chassis, p.lport, p.encapIp!);
  }
  const f = await findings();
  assert.deepEqual(f.filter((x) => x.severity === 'error'), []);
  assert.deepEqual(brief(f), ['warning ic-destination-arbitrary chassis hv1', 'warning ic-destination-arbitrary chassis hv2']);
  assert.equal((await cli(['--zones', zones.file])).code, 0);
  const t = await traceA1B2();
  assert.equal(t.interconnect.verdict, 'steered');
  assert.equal(t.remoteIp, '192.0.2.22');
  assert.equal(t.confirm.observed?.remoteIp, '192.0.2.22', 'ofproto/trace on hv1 targets b2\'s own VTEP');
  // The dashboard reads the same judgement: every zone's remote pod ports steered, the transit port apart.
  const ui = await run<DashboardView>('ui', ['--zones', zones.file]);
  assert.equal(ui.code, 0);
  assert.deepEqual(ui.out.zones?.map((z) => [z.name, z.pods, z.remotePods, z.otherRemotePorts]), [
    ['hv1', 3, { steered: 2, arbitrary: 0, wrong: 0, noHomeVtep: 0 }, 1], ['hv2', 3, { steered: 2, arbitrary: 0, wrong: 0, noHomeVtep: 0 }, 1]]);
  assert.deepEqual(ui.out.chassis.map((c) => c.name).sort(), ['hv1', 'hv2']);
});

test('a zone whose SB socket is dead: ic-zone-unreachable, the other zones still checked, exit 3', async () => {
  const doc = parse(await readFile(zones.file, 'utf8')) as { zones: { name: string; sb: string }[] };
  doc.zones.push({ ...doc.zones[0]!, name: 'ghost', sb: `unix:${join(root, 'ghost-sb.sock')}` });
  const file = join(root, 'zones-ghost.yaml');
  await writeFile(file, stringify(doc));
  const { code, report } = await cli(['--zones', file, '--timeout', '3']);
  assert.equal(code, 3);
  assert.deepEqual(report.scope.zones, ['hv1', 'hv2', 'ghost']);
  assert.deepEqual(report.scope.unreachableZones, ['ghost']);
  const u = report.findings.filter((x) => x.check === 'ic-zone-unreachable');
  assert.deepEqual(u.map((x) => [x.severity, x.subject]), [['error', 'zone ghost']]);
  assert.match(u[0]!.message, /ghost-sb\.sock/);
  assert.equal(report.findings.filter((x) => x.check === 'ic-destination-arbitrary').length, 2, 'hv1 and hv2 are still judged');
});
