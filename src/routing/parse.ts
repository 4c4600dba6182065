import { RoutingError } from './errors.ts';
import type { Family, IpRoute, IpRule, LinkAddress, LinkState, RouteLookup } from './types.ts';

type Json = Record<string, unknown>;

function entries(text: string, what: string): Json[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (err) {
    throw new RoutingError('routing-bad-output', `${what}: iproute2 printed invalid JSON`, trimmed.slice(0, 200), undefined, err);
  }
  if (!Array.isArray(parsed)) throw new RoutingError('routing-bad-output', `${what}: expected a JSON array`, trimmed.slice(0, 200));
  return parsed.filter((e): e is Json => typeof e === 'object' && e !== null && !Array.isArray(e));
}

const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const n = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

function withLen(addr: string, len: number | undefined, family: Family): string {
  if (addr === 'default') return family === 4 ? '0.0.0.0/0' : '::/0';
  if (addr.includes('/')) return addr;
  return `${addr}/${len ?? (family === 4 ? 32 : 128)}`;
}

const RULE_KEYS = new Set(['priority', 'src', 'srclen', 'table', 'protocol', 'flags']);

export function parseRules(text: string, family: Family): IpRule[] {
  return entries(text, 'ip rule list').map((e) => {
    const src = s(e['src']);
    const srclen = n(e['srclen']);
    const selectors = Object.keys(e).filter((k) => !RULE_KEYS.has(k));
    const other = selectors.length > 0 || (Array.isArray(e['flags']) && e['flags'].length > 0);
    return {
      family,
      priority: n(e['priority']) ?? 0,
      ...(src && src !== 'all' ? { src: srclen === undefined ? src : `${src}/${srclen}` } : {}),
      table: s(e['table']) ?? 'main',
      ...(s(e['protocol']) !== undefined ? { protocol: s(e['protocol']) } : {}),
      ...(other ? { other: true } : {}),
      ...(selectors.length > 0 ? { selectors } : {}),
    };
  });
}

export function parseRoutes(text: string, family: Family, table: string): IpRoute[] {
  return entries(text, `ip route show table ${table}`).map((e) => {
    const route: IpRoute = {
      family,
      table: s(e['table']) ?? table,
      dst: withLen(s(e['dst']) ?? 'default', undefined, family),
      ...(s(e['dev']) !== undefined ? { dev: s(e['dev']) } : {}),
      ...(s(e['gateway']) !== undefined ? { gateway: s(e['gateway']) } : {}),
      ...(s(e['scope']) !== undefined ? { scope: s(e['scope']) } : {}),
      ...(s(e['prefsrc']) !== undefined ? { prefsrc: s(e['prefsrc']) } : {}),
      ...(s(e['protocol']) !== undefined ? { protocol: s(e['protocol']) } : {}),
      ...(n(e['metric']) !== undefined ? { metric: n(e['metric']) } : {}),
      ...(s(e['type']) !== undefined && s(e['type']) !== 'unicast' ? { type: s(e['type']) } : {}),
    };
    return route;
  });
}

export function parseLinks(text: string): LinkState[] {
  return entries(text, 'ip addr show').map((e) => {
    const flags = Array.isArray(e['flags']) ? e['flags'].filter((f): f is string => typeof f === 'string') : [];
    const info = e['linkinfo'];
    const kind = typeof info === 'object' && info !== null ? s((info as Json)['info_kind']) : undefined;
    const addrs = Array.isArray(e['addr_info']) ? e['addr_info'] : [];
    const addresses: LinkAddress[] = [];
    for (const a of addrs) {
      if (typeof a !== 'object' || a === null) continue;
      const r = a as Json;
      const fam = r['family'] === 'inet' ? 4 : r['family'] === 'inet6' ? 6 : undefined;
      const local = s(r['local']);
      const len = n(r['prefixlen']);
      if (!fam || local === undefined || len === undefined) continue;
      addresses.push({
        family: fam, address: local, prefixLength: len,
        ...(s(r['scope']) !== undefined ? { scope: s(r['scope']) } : {}),
        ...(r['tentative'] === true ? { tentative: true } : {}),
      });
    }
    return {
      name: s(e['ifname']) ?? '',
      ifindex: n(e['ifindex']) ?? 0,
      mtu: n(e['mtu']) ?? 0,
      up: flags.includes('UP'),
      ...(kind !== undefined ? { kind } : {}),
      addresses,
    };
  });
}

export function parseRouteGet(text: string): RouteLookup {
  const e = entries(text, 'ip route get')[0];
  if (!e) throw new RoutingError('routing-bad-output', 'ip route get printed no route', text);
  return {
    dst: s(e['dst']) ?? '',
    ...(s(e['from']) !== undefined ? { from: s(e['from']) } : {}),
    ...(s(e['dev']) !== undefined ? { dev: s(e['dev']) } : {}),
    ...(s(e['gateway']) !== undefined ? { gateway: s(e['gateway']) } : {}),
    ...(s(e['table']) !== undefined ? { table: s(e['table']) } : {}),
    ...(s(e['prefsrc']) !== undefined ? { prefsrc: s(e['prefsrc']) } : {}),
  };
}
