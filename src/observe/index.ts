// Public API of src/observe: the one way data leaves OVSDB, sysfs and
// routing for the rest of the code. Readers take a RowSource (a live
// MonitorCache or a one-shot readRows snapshot) on the typed rows of
// src/schema and return the plain observed state of ./state.ts.
export * from './state.ts';
export * from './snapshot.ts';
export { readRows, type RowSource, type TableColumns, type ReadRowsOptions } from './rowSource.ts';
export { recordOf, mapOf, uuidsOf, eachUuid, appendedUuids, optionalOf, firstRow, byKey } from './rowValues.ts';
export { NODE_COLUMNS, nodeStateFromRows, readNodeState, type NodeReadOptions } from './openVswitch.ts';
export {
  IS_REMOTE_KEY, isRemoteChassis, SOUTHBOUND_COLUMNS, southboundFromRows, readSouthbound, type SouthboundRead, type SouthboundReadOptions,
} from './southbound.ts';
export { readZones, DEFAULT_ZONE_TIMEOUT_MS, type ZoneSource, type ZonesReadOptions } from './zones.ts';
export { lookupRoute, readRouting, type RoutingReadOptions } from './routing.ts';
export { readSriov } from './sriov.ts';
export { readSpec, specState } from './nodeSpec.ts';
export { gatherState, remoteVteps, withRouting, type GatherOptions } from './gather.ts';
export { IC_ZONE_SB_COLUMNS, icZoneFromRows, type IcZoneDelta, type IcZoneSouthbound, type IcChassis, type IcEncap, type IcPortBinding } from './icZone.ts';
export { IC_ZONE_SB_LIVE, IcZoneSouthboundTracker, type IcZoneMonitor, type IcZoneMonitorName, type IcZoneSources } from './icZoneLive.ts';
export { IC_ZONE_NB_COLUMNS, INTERCONN_TS_KEY, icZoneNbFromRows, type IcZoneNorthbound, type NbSwitch, type NbSwitchPort, type NbRouter, type NbRouterPort, type NbStaticRoute } from './icZoneNb.ts';
export { integrationDatapath, ovsLookup, readOvsRouter, readOvsRules, USERSPACE_DATAPATHS, withOvsRouter, type OvsRouterReadOptions } from './ovsRouter.ts';
