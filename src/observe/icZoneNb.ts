import type { OvnNorthboundTables } from '../schema/index.ts';
import type { RowSource, TableColumns } from './rowSource.ts';
import { optionalOf, recordOf, uuidsOf } from './rowValues.ts';
import type { StringMap } from './state.ts';

/**
 * One interconnect zone's Northbound as L3 steering needs it: the routers,
 * their ports and static routes, and the switches with their ports (the
 * transit switch among them, marked by ovn-ic's `other_config:interconn-ts`).
 * Rows keep their UUIDs: steering mutates the parents' reference sets.
 */
export const IC_ZONE_NB_COLUMNS = {
  Logical_Switch: ['name', 'ports', 'other_config'],
  Logical_Switch_Port: ['name', 'type', 'addresses', 'options', 'external_ids'],
  Logical_Router: ['name', 'ports', 'static_routes'],
  Logical_Router_Port: ['name', 'mac', 'networks', 'gateway_chassis', 'external_ids'],
  Logical_Router_Static_Route: ['ip_prefix', 'nexthop', 'output_port', 'external_ids'],
  Gateway_Chassis: ['name', 'chassis_name', 'priority'],
} as const satisfies TableColumns<OvnNorthboundTables>;

/** ovn-ic marks each transit switch it creates in a zone's NB with this other_config key. */
export const INTERCONN_TS_KEY = 'interconn-ts';

export interface NbSwitchPort {
  readonly uuid: string;
  readonly name: string;
  readonly type: string;
  readonly addresses: readonly string[];
  readonly options: StringMap;
  readonly externalIds: StringMap;
}

export interface NbSwitch {
  readonly uuid: string;
  readonly name: string;
  readonly transit: boolean;
  readonly ports: readonly NbSwitchPort[];
}

export interface NbRouterPort {
  readonly uuid: string;
  readonly name: string;
  readonly mac: string;
  readonly networks: readonly string[];
  /** Chassis names of its Gateway_Chassis rows. */
  readonly gatewayChassis: readonly string[];
  readonly externalIds: StringMap;
}

export interface NbStaticRoute {
  readonly uuid: string;
  readonly ipPrefix: string;
  readonly nexthop: string;
  readonly outputPort: string | undefined;
  readonly externalIds: StringMap;
}

export interface NbRouter {
  readonly uuid: string;
  readonly name: string;
  readonly ports: readonly NbRouterPort[];
  readonly staticRoutes: readonly NbStaticRoute[];
}

export interface IcZoneNorthbound {
  readonly switches: readonly NbSwitch[];
  readonly routers: readonly NbRouter[];
}

export function icZoneNbFromRows(src: RowSource<OvnNorthboundTables>): IcZoneNorthbound {
  const gcs = src.rows('Gateway_Chassis');
  const lsps = src.rows('Logical_Switch_Port');
  const lrps = src.rows('Logical_Router_Port');
  const routes = src.rows('Logical_Router_Static_Route');
  const switches: NbSwitch[] = [];
  for (const [uuid, row] of src.rows('Logical_Switch')) {
    const ports: NbSwitchPort[] = [];
    for (const p of uuidsOf(row.ports)) {
      const r = lsps.get(p);
      if (!r) continue;
      ports.push({ uuid: p, name: r.name, type: r.type, addresses: [...(r.addresses ?? [])], options: recordOf(r.options), externalIds: recordOf(r.external_ids) });
    }
    switches.push({ uuid, name: row.name, transit: recordOf(row.other_config)[INTERCONN_TS_KEY] !== undefined, ports });
  }
  const routers: NbRouter[] = [];
  for (const [uuid, row] of src.rows('Logical_Router')) {
    const ports: NbRouterPort[] = [];
    for (const p of uuidsOf(row.ports)) {
      const r = lrps.get(p);
      if (!r) continue;
      const gatewayChassis = uuidsOf(r.gateway_chassis).map((g) => gcs.get(g)?.chassis_name).filter((c): c is string => c !== undefined);
      ports.push({ uuid: p, name: r.name, mac: r.mac, networks: [...(r.networks ?? [])], gatewayChassis, externalIds: recordOf(r.external_ids) });
    }
    const staticRoutes: NbStaticRoute[] = [];
    for (const s of uuidsOf(row.static_routes)) {
      const r = routes.get(s);
      if (!r) continue;
      staticRoutes.push({ uuid: s, ipPrefix: r.ip_prefix, nexthop: r.nexthop, outputPort: optionalOf(r.output_port), externalIds: recordOf(r.external_ids) });
    }
    routers.push({ uuid, name: row.name, ports, staticRoutes });
  }
  return { switches, routers };
}
