import { Iproute2, type RoutingBackend } from '../routing/index.ts';
import { errorMessage } from '../util/errors.ts';
import type { RouteLookupState, RoutingState } from './state.ts';
import { isIP } from 'node:net';

export interface RoutingReadOptions {
  readonly netns?: string;
  /** Local VTEP IPs to look up routes for. */
  readonly vteps: readonly string[];
  /** Remote VTEP IPs to probe with `ip route get` (a sample is enough). */
  readonly remotes: readonly string[];
  /** Injected backend (tests); iproute2 in the netns by default. */
  readonly backend?: RoutingBackend;
}

/** `ip route get <to> from <from>` as observed state; a failing lookup is recorded, not thrown. */
export async function lookupRoute(ip: RoutingBackend, from: string, to: string): Promise<RouteLookupState> {
  try {
    const r = await ip.routeGet(to, from);
    return { from, to, dev: r.dev, gateway: r.gateway, table: r.table };
  } catch (err) {
    return { from, to, dev: undefined, gateway: undefined, table: undefined, error: errorMessage(err) };
  }
}

/** Rules, the tables they point at, addresses, MTUs and route lookups of one netns. */
export async function readRouting(opts: RoutingReadOptions): Promise<RoutingState> {
  const ip = opts.backend ?? new Iproute2(opts.netns ? { netns: opts.netns } : {});
  const links = await ip.listLinks();
  const rules = [...await ip.listRules(4), ...await ip.listRules(6)];
  const tables = new Set(rules.filter((r) => r.src !== undefined && !['main', 'local', 'default', '255', '254', '253'].includes(r.table)).map((r) => r.table));
  const routes: RoutingState['routes'][number][] = [];
  for (const t of tables) {
    for (const fam of [4, 6] as const) {
      for (const r of await ip.listRoutes(fam, t).catch(() => [])) {
        routes.push({ table: t, dst: r.dst, ...(r.dev ? { dev: r.dev } : {}), ...(r.gateway ? { gateway: r.gateway } : {}) });
      }
    }
  }
  const lookups: RouteLookupState[] = [];
  for (const from of opts.vteps) {
    const fam = isIP(from);
    if (fam === 0) continue;
    for (const to of opts.remotes) if (isIP(to) === fam) lookups.push(await lookupRoute(ip, from, to));
  }
  // rp_filter of the devices that hold a VTEP address.
  const vtepDevs = new Set(links.filter((l) => l.addresses.some((a) => opts.vteps.includes(a.address))).map((l) => l.name));
  const rpFilter: { dev: string; effective: number }[] = [];
  for (const dev of vtepDevs) {
    const r = await ip.readRpFilter(dev).catch(() => undefined);
    if (r) rpFilter.push({ dev, effective: r.effective });
  }
  return {
    rpFilter,
    netns: opts.netns,
    rules: rules.map((r) => {
      const [src, len] = r.src === undefined ? [undefined, undefined] : r.src.split('/');
      return { priority: r.priority, ...(src ? { src } : {}), ...(len ? { srcLen: Number(len) } : {}), table: r.table, ...(r.selectors ? { selectors: r.selectors } : {}) };
    }),
    routes,
    addresses: links.flatMap((l) => l.addresses.map((a) => ({ dev: l.name, ip: a.address, prefixLen: a.prefixLength }))),
    links: links.map((l) => ({ name: l.name, mtu: l.mtu, up: l.up })),
    lookups,
  };
}
