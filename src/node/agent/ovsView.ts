import type { Row } from '../../ovsdb/index.ts';
import { uuids } from './rows.ts';

/**
 * The slice of the local Open_vSwitch database the attach planner and the
 * agent reason about, as plain data (so both are testable without a server).
 */
export interface IfaceView {
  readonly uuid: string;
  readonly name: string;
  readonly externalIds: ReadonlyMap<string, string>;
}

export interface PortView {
  readonly uuid: string;
  readonly name: string;
  readonly interfaces: readonly string[];
}

export interface BridgeView {
  readonly uuid: string;
  readonly name: string;
  readonly ports: readonly string[];
}

export interface OpenVswitchView {
  readonly uuid: string;
  readonly externalIds: ReadonlyMap<string, string>;
}

/** Columns each table must be monitored/selected with to build the views. */
export const VIEW_COLUMNS = {
  Open_vSwitch: ['external_ids'],
  Bridge: ['name', 'ports'],
  Port: ['name', 'interfaces'],
  Interface: ['name', 'external_ids'],
} as const;

export function stringMap(v: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (v instanceof Map) for (const [k, val] of v) out.set(String(k), String(val));
  return out;
}

export const ifaceView = (r: Row): IfaceView => ({ uuid: r._uuid.value, name: String(r['name'] ?? ''), externalIds: stringMap(r['external_ids']) });
export const portView = (r: Row): PortView => ({ uuid: r._uuid.value, name: String(r['name'] ?? ''), interfaces: uuids(r['interfaces']) });
export const bridgeView = (r: Row): BridgeView => ({ uuid: r._uuid.value, name: String(r['name'] ?? ''), ports: uuids(r['ports']) });
export const openVswitchView = (r: Row): OpenVswitchView => ({ uuid: r._uuid.value, externalIds: stringMap(r['external_ids']) });
