import type { Row } from '../../ovsdb/index.ts';
import { mapOf, uuidsOf, type TableColumns } from '../../observe/index.ts';
import type { OpenVSwitchTables } from '../../schema/index.ts';

/**
 * The slice of the local Open_vSwitch database the attach planner and the
 * agent reason about, as plain data (so both are testable without a server).
 */
export interface VswitchIface {
  readonly uuid: string;
  readonly name: string;
  readonly externalIds: ReadonlyMap<string, string>;
}

export interface VswitchPort {
  readonly uuid: string;
  readonly name: string;
  readonly interfaces: readonly string[];
}

export interface VswitchBridge {
  readonly uuid: string;
  readonly name: string;
  readonly ports: readonly string[];
}

export interface VswitchRoot {
  readonly uuid: string;
  readonly externalIds: ReadonlyMap<string, string>;
}

/** Columns each table must be monitored/selected with to build the views. */
export const VIEW_COLUMNS = {
  Open_vSwitch: ['external_ids'],
  Bridge: ['name', 'ports'],
  Port: ['name', 'interfaces'],
  Interface: ['name', 'external_ids'],
} as const satisfies TableColumns<OpenVSwitchTables>;

export const vswitchIface = (r: Row): VswitchIface => ({ uuid: r._uuid.value, name: String(r['name'] ?? ''), externalIds: mapOf(r['external_ids']) });
export const vswitchPort = (r: Row): VswitchPort => ({ uuid: r._uuid.value, name: String(r['name'] ?? ''), interfaces: uuidsOf(r['interfaces']) });
export const vswitchBridge = (r: Row): VswitchBridge => ({ uuid: r._uuid.value, name: String(r['name'] ?? ''), ports: uuidsOf(r['ports']) });
export const vswitchRoot = (r: Row): VswitchRoot => ({ uuid: r._uuid.value, externalIds: mapOf(r['external_ids']) });
