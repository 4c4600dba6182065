import { Uuid, type OvsdbClient } from '../ovsdb/index.ts';
import type { OvnNorthboundTables } from '../schema/index.ts';
import { L3_MARKER_KEY, L3_MARKER_VALUE, ROUTE_POD_KEY, ROUTE_ZONE_KEY, type NbZonePlan } from './l3Plan.ts';

/**
 * Applies one zone's L3 plan in ONE transaction. New rows carry the marker;
 * parents (the zone's router and transit switch, which mvtep does not own)
 * are only mutated: one reference inserted or deleted per change, never a
 * whole column replaced. Removing the reference garbage-collects the row
 * (router ports, switch ports, routes and gateway-chassis rows are all
 * non-root tables).
 */
export async function writeL3Plan(client: OvsdbClient, plan: NbZonePlan, timeoutMs: number): Promise<void> {
  const tx = client.transaction<OvnNorthboundTables>('OVN_Northbound');
  const marker = { [L3_MARKER_KEY]: L3_MARKER_VALUE };
  for (const r of plan.removePorts) {
    if (r.lrpUuid) tx.mutate('Logical_Router', [['ports', 'includes', new Uuid(r.lrpUuid)]], [['ports', 'delete', [new Uuid(r.lrpUuid)]]]);
    if (r.lspUuid) tx.mutate('Logical_Switch', [['ports', 'includes', new Uuid(r.lspUuid)]], [['ports', 'delete', [new Uuid(r.lspUuid)]]]);
  }
  for (const r of plan.removeRoutes) {
    tx.mutate('Logical_Router', [['static_routes', 'includes', new Uuid(r.uuid)]], [['static_routes', 'delete', [new Uuid(r.uuid)]]]);
  }
  if (plan.router !== undefined) {
    for (const p of plan.addPorts) {
      const gc = tx.insert('Gateway_Chassis', { name: `${p.routerPort}-${p.chassis}`, chassis_name: p.chassis, priority: 1 });
      const lrp = tx.insert('Logical_Router_Port', { name: p.routerPort, mac: p.mac, networks: [p.network], gateway_chassis: [gc], external_ids: marker });
      tx.mutate('Logical_Router', [['name', '==', plan.router]], [['ports', 'insert', [lrp]]]);
      const lsp = tx.insert('Logical_Switch_Port', {
        name: p.transitPort, type: 'router', addresses: ['router'], options: { 'router-port': p.routerPort }, external_ids: marker,
      });
      tx.mutate('Logical_Switch', [['name', '==', plan.transitSwitch!]], [['ports', 'insert', [lsp]]]);
    }
    for (const r of plan.addRoutes) {
      const route = tx.insert('Logical_Router_Static_Route', {
        ip_prefix: r.prefix, nexthop: r.nexthop, output_port: [r.outputPort],
        external_ids: { ...marker, [ROUTE_POD_KEY]: r.pod, [ROUTE_ZONE_KEY]: r.podZone },
      });
      tx.mutate('Logical_Router', [['name', '==', plan.router]], [['static_routes', 'insert', [route]]]);
    }
  }
  if (tx.size === 0) return;
  await tx.commit({ timeoutMs });
}
