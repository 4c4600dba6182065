// Typed table models generated from the .ovsschema files of the OVN runtime
// (scripts/gen-schema.ts). Use a *Tables type as the type argument of
// OvsdbClient.monitor() / transaction() to get typed rows and column names:
//
//   const cache = client.monitor<OpenVSwitchTables>('Open_vSwitch', { Interface: ['name', 'external_ids'] });
//   const tx = client.transaction<OvnSouthboundTables>('OVN_Southbound');
export * as OpenVSwitch from './generated/openVSwitch.ts';
export * as OvnSouthbound from './generated/ovnSouthbound.ts';
export * as OvnNorthbound from './generated/ovnNorthbound.ts';
export type { OpenVSwitchTables } from './generated/openVSwitch.ts';
export type { OvnSouthboundTables } from './generated/ovnSouthbound.ts';
export type { OvnNorthboundTables } from './generated/ovnNorthbound.ts';
export { OpenVSwitchDatabase, OpenVSwitchColumns } from './generated/openVSwitch.ts';
export { OvnSouthboundDatabase, OvnSouthboundColumns } from './generated/ovnSouthbound.ts';
export { OvnNorthboundDatabase, OvnNorthboundColumns } from './generated/ovnNorthbound.ts';
