import { firstRow, optionalOf, uuidsOf, type RowSource, type TableColumns } from '../../observe/index.ts';
import type { OpenVSwitchTables } from '../../schema/index.ts';
import { UnderlayError } from './errors.ts';

/** The slice of the local Open_vSwitch database the underlay reads. */
export interface OvsBridge {
  readonly uuid: string;
  readonly name: string;
  readonly datapathType: string;
  readonly ports: readonly string[];
  readonly externalIds: ReadonlyMap<string, string>;
}

export interface OvsPort {
  readonly uuid: string;
  readonly name: string;
  readonly bridge?: string;
  readonly tag?: number;
  readonly interfaces: readonly string[];
  readonly externalIds: ReadonlyMap<string, string>;
}

export interface OvsInterface {
  readonly uuid: string;
  readonly name: string;
  readonly type: string;
  readonly mtuRequest?: number;
  readonly mtu?: number;
  readonly ofport?: number;
}

export interface OvsState {
  /** The Open_vSwitch row (external_ids mutates address it). */
  readonly rootUuid: string;
  readonly externalIds: ReadonlyMap<string, string>;
  /** Open_vSwitch:ovs_version (written by ovs-ctl; absent when empty). */
  readonly ovsVersion?: string;
  readonly bridges: ReadonlyMap<string, OvsBridge>;
  readonly ports: ReadonlyMap<string, OvsPort>;
  readonly interfaces: ReadonlyMap<string, OvsInterface>;
}

/** The Open_vSwitch columns the underlay reads. */
export const UNDERLAY_COLUMNS = {
  Open_vSwitch: ['external_ids', 'ovs_version'],
  Bridge: ['name', 'datapath_type', 'ports', 'external_ids'],
  Port: ['name', 'interfaces', 'tag', 'external_ids'],
  Interface: ['name', 'type', 'mtu_request', 'mtu', 'ofport'],
} as const satisfies TableColumns<OpenVSwitchTables>;

/** OvsState from typed Open_vSwitch rows (a one-shot readRows or a live cache). */
export function ovsStateFromRows(src: RowSource<OpenVSwitchTables>): OvsState {
  const top = firstRow(src.rows('Open_vSwitch'));
  if (!top) throw new UnderlayError('underlay-ovsdb-no-root', 'the Open_vSwitch table has no row (is this a vswitch database?)', 'Open_vSwitch');
  const ifaceByUuid = new Map<string, OvsInterface>();
  for (const [uuid, r] of src.rows('Interface')) {
    const mtuRequest = optionalOf(r.mtu_request);
    const mtu = optionalOf(r.mtu);
    const ofport = optionalOf(r.ofport);
    ifaceByUuid.set(uuid, {
      uuid, name: r.name, type: r.type,
      ...(mtuRequest !== undefined ? { mtuRequest } : {}), ...(mtu !== undefined ? { mtu } : {}), ...(ofport !== undefined ? { ofport } : {}),
    });
  }
  const portRows = src.rows('Port');
  const portBridge = new Map<string, string>();
  const bridges = new Map<string, OvsBridge>();
  for (const [uuid, r] of src.rows('Bridge')) {
    const portNames = uuidsOf(r.ports).map((p) => {
      portBridge.set(p, r.name);
      return portRows.get(p)?.name ?? '';
    });
    bridges.set(r.name, { uuid, name: r.name, datapathType: r.datapath_type, ports: portNames, externalIds: new Map(r.external_ids) });
  }
  const ports = new Map<string, OvsPort>();
  for (const [uuid, r] of portRows) {
    const bridge = portBridge.get(uuid);
    const tag = optionalOf(r.tag);
    ports.set(r.name, {
      uuid, name: r.name, ...(bridge !== undefined ? { bridge } : {}), ...(tag !== undefined ? { tag } : {}),
      interfaces: uuidsOf(r.interfaces).map((i) => ifaceByUuid.get(i)?.name ?? '?'),
      externalIds: new Map(r.external_ids),
    });
  }
  return {
    rootUuid: top._uuid.value,
    externalIds: new Map(top.external_ids),
    ...(optionalOf(top.ovs_version) ? { ovsVersion: optionalOf(top.ovs_version)! } : {}),
    bridges,
    ports,
    interfaces: new Map([...ifaceByUuid.values()].map((i) => [i.name, i])),
  };
}
