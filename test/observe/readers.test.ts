// The observe readers on in-memory typed rows (a RowSource is any object with
// rows(table); a MonitorCache or readRows() gives the same shape live).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Uuid } from '../../src/ovsdb/index.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRemoteChassis, nodeStateFromRows, readZones, southboundFromRows, type RowSource } from '../../src/observe/index.ts';
import type { OpenVSwitchTables, OvnSouthboundTables } from '../../src/schema/index.ts';
import { isOvnTunnelType, tunnelEndpoints } from '../../src/ovn/index.ts';

let n = 0;
const uuid = () => Uuid.trusted(`00000000-0000-0000-0000-${String(++n).padStart(12, '0')}`);

function source<T extends OpenVSwitchTables | OvnSouthboundTables>(tables: Record<string, Record<string, unknown>[]>): RowSource<T> {
  const maps = new Map(Object.entries(tables).map(([t, rows]) => [t, new Map(rows.map((r) => [(r['_uuid'] as Uuid).value, r]))]));
  return { rows: (t: string) => maps.get(t) ?? new Map() } as unknown as RowSource<T>;
}

function node(encapIp: string, tunnel: { chassisId: string; options: Record<string, string> }) {
  const iface = { _uuid: uuid(), name: 'ovn-hv2-0', type: 'geneve', ofport: [5], external_ids: new Map(), options: new Map(Object.entries(tunnel.options)), error: [] };
  const port = { _uuid: uuid(), name: 'ovn-hv2-0', interfaces: [iface._uuid], external_ids: new Map([['ovn-chassis-id', tunnel.chassisId]]) };
  const br = { _uuid: uuid(), name: 'br-int', ports: [port._uuid], datapath_type: '' };
  const ovs = { _uuid: uuid(), bridges: [br._uuid], external_ids: new Map([['system-id', 'hv1'], ['ovn-encap-ip', encapIp]]) };
  return source<OpenVSwitchTables>({ Open_vSwitch: [ovs], Bridge: [br], Port: [port], Interface: [iface] });
}

test('tunnel endpoints: options, then ovn-chassis-id, then the only VTEP (one rule for lab, verify, dashboard)', () => {
  // Multi-encap chassis-id, no options: verify used the chassis-id, the lab did not (it had no local IP with two VTEPs).
  const a = nodeStateFromRows(node('192.0.2.11,192.0.2.12', { chassisId: 'hv2@192.0.2.22%192.0.2.12', options: {} }));
  assert.deepEqual([a.tunnels[0]!.localIp, a.tunnels[0]!.remoteIp], ['192.0.2.12', '192.0.2.22']);
  // Single VTEP, old-form chassis-id, no local_ip (OVN leaves it out): verify had none, the lab used the VTEP.
  const b = nodeStateFromRows(node('192.0.2.11', { chassisId: 'hv2@192.0.2.22', options: { remote_ip: '192.0.2.22' } }));
  assert.deepEqual([b.tunnels[0]!.localIp, b.tunnels[0]!.remoteIp], ['192.0.2.11', '192.0.2.22']);
  // Flow-based tunnels carry "flow", not an address.
  assert.deepEqual(tunnelEndpoints({ local_ip: 'flow', remote_ip: 'flow' }, 'hv2@192.0.2.22%192.0.2.12', []), { localIp: '192.0.2.12', remoteIp: '192.0.2.22' });
  assert.equal(b.label, 'hv1');
  assert.equal(b.interfaces[0]!.ofport, 5);
});

test('tunnel types are the ones ovn-controller creates; gre is not one', () => {
  assert.deepEqual(['geneve', 'vxlan', 'stt', 'gre', ''].map(isOvnTunnelType), [true, true, true, false, false]);
});

test('southbound rows: chassis names resolved, Port_Binding up and encap, version from SB_Global', () => {
  const e = { _uuid: uuid(), chassis_name: 'hv1', ip: '192.0.2.11', type: 'geneve', options: new Map([['is_default', 'true']]) };
  const c = { _uuid: uuid(), name: 'hv1', hostname: 'node1', encaps: [e._uuid], transport_zones: [] };
  const pb = { _uuid: uuid(), logical_port: 'p1', type: '', chassis: [c._uuid], encap: [e._uuid], mac: ['0a:58:00:00:00:01 203.0.113.1'], up: [true] };
  const g = { _uuid: uuid(), options: new Map([['northd_internal_version', '25.03.0-20.41.0-78.8']]) };
  const r = southboundFromRows(source<OvnSouthboundTables>({ SB_Global: [g], Chassis: [c], Encap: [e], Port_Binding: [pb] }), { withMacs: true });
  assert.equal(r.ovnVersion, '25.03.0');
  assert.deepEqual(r.southbound.chassis, [{ name: 'hv1', hostname: 'node1', encaps: [e._uuid.value], transportZones: [] }]);
  assert.deepEqual(r.southbound.portBindings, [{ logicalPort: 'p1', type: '', chassis: 'hv1', encap: e._uuid.value, up: true, mac: ['0a:58:00:00:00:01 203.0.113.1'] }]);
});

test('southbound chassis: other_config keeps is-remote only (interconnect), absent when unset', () => {
  const local = { _uuid: uuid(), name: 'hv1', encaps: [], transport_zones: [], other_config: new Map([['ovn-bridge-mappings', 'physnet:br-ex'], ['datapath-type', '']]) };
  const remote = { _uuid: uuid(), name: 'hv2', encaps: [], transport_zones: [], other_config: new Map([['is-remote', 'true'], ['is-interconn', 'true']]) };
  const r = southboundFromRows(source<OvnSouthboundTables>({ Chassis: [local, remote] }));
  assert.deepEqual(r.southbound.chassis.map((c) => [c.name, c.otherConfig]), [['hv1', undefined], ['hv2', { 'is-remote': 'true' }]]);
  assert.deepEqual(r.southbound.chassis.map(isRemoteChassis), [false, true]);
});

test('readZones: every zone read, an unreachable one kept with its error (never dropped), in file order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-zones-'));
  try {
    const zones = await readZones([{ name: 'a', sb: `unix:${join(dir, 'a.sock')}` }, { name: 'b', sb: `unix:${join(dir, 'b.sock')}` }], { timeoutMs: 2000 });
    assert.deepEqual(zones.map((z) => z.name), ['a', 'b']);
    for (const z of zones) {
      assert.equal(z.southbound, undefined);
      assert.match(z.error!, new RegExp(`^unix:${dir}/${z.name}\\.sock: `));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
