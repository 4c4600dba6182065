import { ConfigError } from './errors.ts';
import { contains, parsePrefix, type IpPrefix } from './nodeSpecIp.ts';

/** What `--l3-subnets` is called in errors. */
export const L3_SUBNETS_KEY = '--l3-subnets';

/**
 * `mvtep ic steer --l3-subnets A,B,C`: one IPv4 subnet per VTEP index, each
 * holding every zone's steering router port of that index (zone i takes
 * host i), so they must not overlap each other and must leave room for the
 * zones. Returned in the order given: the k-th subnet serves VTEP index k.
 */
export function parseL3Subnets(text: string, zoneCount: number): IpPrefix[] {
  const entries = text.split(',');
  const out: IpPrefix[] = [];
  entries.forEach((entry, i) => {
    const fail = (reason: string): never => {
      throw new ConfigError('config-invalid-ip', { key: L3_SUBNETS_KEY, entry, position: i + 1, reason });
    };
    if (entry.trim() === '') fail('empty entry (one IPv4 subnet per VTEP index, comma-separated)');
    const r = parsePrefix(entry.trim());
    if (!r.ok) fail(r.reason);
    const p = (r as { ok: true; value: IpPrefix }).value;
    if (p.family !== 4) fail('steering subnets are IPv4 (router ports on the transit switch)');
    if (p.address !== p.network) fail(`not a network address (did you mean ${p.network}/${p.prefixLength}?)`);
    const hosts = 2 ** (32 - p.prefixLength) - 2;
    if (hosts < zoneCount) fail(`/${p.prefixLength} holds ${Math.max(hosts, 0)} hosts, fewer than the ${zoneCount} zones`);
    const clash = out.findIndex((q) => contains(q, p.network) || contains(p, q.network));
    if (clash >= 0) fail(`overlaps entry ${clash + 1} ${entries[clash]!.trim()}`);
    out.push(p);
  });
  return out;
}
