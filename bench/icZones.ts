// A synthetic interconnect deployment for benchmarks: zone `z` of `n` holds
// every node as a chassis (its own local, the others other_config:is-remote),
// 3 geneve VTEPs each, and 110 pods per node: local VIF Port_Bindings pinned
// to a VTEP in the pod's zone, type=remote ones without encap elsewhere.
import type { OvsdbClient } from '../src/ovsdb/index.ts';

export const VTEPS = 3;
export const PODS = 110;

export const node = (i: number) => `node-${i}`;
/** Unique per (type, ip) within a zone: IPv6 from 2001:db8::/32. */
export const vtep = (i: number, k: number) => `2001:db8:${(i >> 8).toString(16)}:${(i & 0xff).toString(16)}::${k + 1}`;

/** Zone `z` of `n`: every node as a chassis (remote but its own), every pod (local ones pinned). */
export async function loadZone(client: OvsdbClient, z: number, n: number, pods = PODS): Promise<void> {
  // SB_Global: northd creates it in a real zone (ic steer keeps its marker key there).
  const ops: unknown[] = [{ op: 'insert', table: 'SB_Global', row: {} }, { op: 'insert', table: 'Datapath_Binding', 'uuid-name': 'ls', row: { tunnel_key: 1 } }];
  for (let i = 0; i < n; i++) {
    const encaps = Array.from({ length: VTEPS }, (_, k) => `e${i}_${k}`);
    encaps.forEach((id, k) => ops.push({ op: 'insert', table: 'Encap', 'uuid-name': id,
      row: { type: 'geneve', ip: vtep(i, k), chassis_name: node(i), options: ['map', [['csum', 'true']]] } }));
    ops.push({ op: 'insert', table: 'Chassis', 'uuid-name': `c${i}`, row: {
      name: node(i), hostname: node(i), encaps: ['set', encaps.map((e) => ['named-uuid', e])],
      other_config: ['map', i === z ? [] : [['is-remote', 'true']]],
    } });
    for (let p = 0; p < pods; p++) {
      const local = i === z;
      ops.push({ op: 'insert', table: 'Port_Binding', row: {
        logical_port: `pod-${i}-${p}`, type: local ? '' : 'remote', datapath: ['named-uuid', 'ls'], tunnel_key: i * pods + p + 1,
        chassis: ['named-uuid', `c${i}`], ...(local ? { encap: ['named-uuid', `e${i}_${p % VTEPS}`] } : {}),
      } });
    }
  }
  await client.transact('OVN_Southbound', ops as never);
}

