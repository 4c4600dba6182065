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
  readonly rootUuid: string;
  readonly externalIds: ReadonlyMap<string, string>;
  readonly bridges: ReadonlyMap<string, OvsBridge>;
  readonly ports: ReadonlyMap<string, OvsPort>;
  readonly interfaces: ReadonlyMap<string, OvsInterface>;
}

type WireRow = Record<string, unknown>;

function bad(what: string, value: unknown): never {
  throw new UnderlayError('underlay-ovsdb-bad-reply', `unexpected OVSDB value for ${what}`, value);
}

function uuidOf(v: unknown, what: string): string {
  if (Array.isArray(v) && v[0] === 'uuid' && typeof v[1] === 'string') return v[1];
  return bad(what, v);
}

function setOf(v: unknown): unknown[] {
  if (Array.isArray(v) && v[0] === 'set' && Array.isArray(v[1])) return v[1];
  return [v];
}

function optNumber(v: unknown): number | undefined {
  const s = setOf(v);
  return typeof s[0] === 'number' ? s[0] : undefined;
}

function strMap(v: unknown, what: string): Map<string, string> {
  if (!Array.isArray(v) || v[0] !== 'map' || !Array.isArray(v[1])) return bad(what, v);
  const m = new Map<string, string>();
  for (const pair of v[1] as unknown[]) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') m.set(pair[0], pair[1]);
  }
  return m;
}

function str(v: unknown, what: string): string {
  return typeof v === 'string' ? v : bad(what, v);
}

/** Builds OvsState from the rows of four selects (Open_vSwitch, Bridge, Port, Interface), wire notation. */
export function decodeOvsState(root: WireRow[], bridgeRows: WireRow[], portRows: WireRow[], ifaceRows: WireRow[]): OvsState {
  const top = root[0];
  if (!top) throw new UnderlayError('underlay-ovsdb-no-root', 'the Open_vSwitch table has no row (is this a vswitch database?)', root);
  const ifaceByUuid = new Map<string, OvsInterface>();
  for (const r of ifaceRows) {
    const i: OvsInterface = {
      uuid: uuidOf(r['_uuid'], 'Interface._uuid'),
      name: str(r['name'], 'Interface.name'),
      type: str(r['type'], 'Interface.type'),
      ...(optNumber(r['mtu_request']) !== undefined ? { mtuRequest: optNumber(r['mtu_request']) } : {}),
      ...(optNumber(r['mtu']) !== undefined ? { mtu: optNumber(r['mtu']) } : {}),
      ...(optNumber(r['ofport']) !== undefined ? { ofport: optNumber(r['ofport']) } : {}),
    };
    ifaceByUuid.set(i.uuid, i);
  }
  const portBridge = new Map<string, string>();
  const bridges = new Map<string, OvsBridge>();
  const portByUuid = new Map<string, WireRow>();
  for (const r of portRows) portByUuid.set(uuidOf(r['_uuid'], 'Port._uuid'), r);
  for (const r of bridgeRows) {
    const name = str(r['name'], 'Bridge.name');
    const portNames = setOf(r['ports']).map((p) => {
      const u = uuidOf(p, 'Bridge.ports');
      portBridge.set(u, name);
      return str(portByUuid.get(u)?.['name'] ?? '', 'Port.name');
    });
    bridges.set(name, {
      uuid: uuidOf(r['_uuid'], 'Bridge._uuid'), name, datapathType: str(r['datapath_type'], 'Bridge.datapath_type'),
      ports: portNames, externalIds: strMap(r['external_ids'], 'Bridge.external_ids'),
    });
  }
  const ports = new Map<string, OvsPort>();
  for (const [uuid, r] of portByUuid) {
    const name = str(r['name'], 'Port.name');
    const bridge = portBridge.get(uuid);
    const tag = optNumber(r['tag']);
    ports.set(name, {
      uuid, name, ...(bridge !== undefined ? { bridge } : {}), ...(tag !== undefined ? { tag } : {}),
      interfaces: setOf(r['interfaces']).map((i) => ifaceByUuid.get(uuidOf(i, 'Port.interfaces'))?.name ?? '?'),
      externalIds: strMap(r['external_ids'], 'Port.external_ids'),
    });
  }
  return {
    rootUuid: uuidOf(top['_uuid'], 'Open_vSwitch._uuid'),
    externalIds: strMap(top['external_ids'], 'Open_vSwitch.external_ids'),
    bridges,
    ports,
    interfaces: new Map([...ifaceByUuid.values()].map((i) => [i.name, i])),
  };
}
