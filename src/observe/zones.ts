import { errorMessage } from '../util/errors.ts';
import { readSouthbound } from './southbound.ts';
import type { OvnNorthboundTables } from '../schema/index.ts';
import { IC_ZONE_NB_COLUMNS, icZoneNbFromRows, type IcZoneNorthbound } from './icZoneNb.ts';
import { readRows } from './rowSource.ts';
import type { ZoneRouting, ZoneState } from './state.ts';

/** What reading a zone needs from the zones file. */
export interface ZoneSource {
  readonly name: string;
  readonly sb: string;
  readonly nb?: string;
}

export interface ZonesReadOptions {
  /** Deadline per zone (connect and initial read). */
  readonly timeoutMs?: number;
  readonly withMacs?: boolean;
  /** Also read each zone's NB routing (trace across routed paths). */
  readonly withRouting?: boolean;
}

/** The steering marker of `mvtep ic steer` on NB rows it owns (ic/l3Plan.ts writes it). */
const STEERING_KEY = 'mvtep-ic-steer';

export function zoneRouting(nb: IcZoneNorthbound): ZoneRouting {
  const routes = nb.routers.flatMap((r) => r.staticRoutes.map((s) => ({
    router: r.name, prefix: s.ipPrefix, nexthop: s.nexthop, ...(s.outputPort ? { outputPort: s.outputPort } : {}),
    steering: s.externalIds[STEERING_KEY] !== undefined,
  })));
  const lrpIps = new Map(nb.routers.flatMap((r) => r.ports.map((p) => [p.name, p.networks.map((n) => n.split('/')[0]!)] as const)));
  const transitPorts = nb.switches.filter((s) => s.transit).flatMap((s) => s.ports.map((p) => ({
    lport: p.name,
    // A local peer's address is its router port's; a remote peer's is in its addresses ("MAC IP/LEN ...").
    ips: p.type === 'router' ? lrpIps.get(p.options['router-port'] ?? '') ?? [] : p.addresses.flatMap((a) => a.split(/\s+/).slice(1).map((x) => x.split('/')[0]!)),
  })));
  const lrpMac = new Map(nb.routers.flatMap((r) => r.ports.map((p) => [p.name, p.mac] as const)));
  const gateways = nb.switches.filter((s) => !s.transit).flatMap((s) => {
    const routerPorts = s.ports.filter((p) => p.type === 'router');
    const mac = routerPorts.length === 1 ? lrpMac.get(routerPorts[0]!.options['router-port'] ?? '') : undefined;
    return mac ? s.ports.filter((p) => p.type === '').map((p) => ({ lport: p.name, mac })) : [];
  });
  return { routes, transitPorts, gateways };
}

async function readRouting(nb: string, timeoutMs: number): Promise<{ routing: ZoneRouting } | { nbError: string }> {
  try {
    return { routing: zoneRouting(icZoneNbFromRows(await readRows<OvnNorthboundTables>(nb, 'OVN_Northbound', IC_ZONE_NB_COLUMNS, { timeoutMs }))) };
  } catch (err) {
    return { nbError: `${nb}: ${errorMessage(err)}` };
  }
}

/** Per zone: a dead zone must not hold up the report for long, one slow SB is not all of them. */
export const DEFAULT_ZONE_TIMEOUT_MS = 10_000;

/**
 * Every zone's Southbound, read in parallel, each with its own deadline.
 * A zone that cannot be read is kept with its error (the checks report it):
 * dropping it would make its pods look homeless and its chassis unknown.
 */
export async function readZones(zones: readonly ZoneSource[], opts: ZonesReadOptions = {}): Promise<ZoneState[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ZONE_TIMEOUT_MS;
  return Promise.all(zones.map(async (z): Promise<ZoneState> => {
    try {
      const [g, nb] = await Promise.all([
        readSouthbound(z.sb, { timeoutMs, ...(opts.withMacs ? { withMacs: true } : {}) }),
        opts.withRouting && z.nb ? readRouting(z.nb, timeoutMs) : undefined,
      ]);
      return { name: z.name, southbound: g.southbound, ...(g.ovnVersion ? { ovnVersion: g.ovnVersion } : {}), ...nb };
    } catch (err) {
      return { name: z.name, error: `${z.sb}: ${errorMessage(err)}` };
    }
  }));
}
