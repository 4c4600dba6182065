/**
 * OVS's own tunnel router (ovs-router), which a userspace (netdev) datapath
 * uses instead of the kernel's: which OVS versions route by source, and the
 * text of `ovs-appctl ovs/route/rule/show` and `ovs/route/lookup` (pure).
 */

/** From OVS 3.7 ovs-router imports the kernel's `from` rules and looks tunnels up with their local_ip as source (measured on 4.0.0). */
export const OVS_RULES_SINCE: readonly [number, number] = [3, 7];

/** What an OVS version string says about its tunnel router; only a whole version string decides. */
export type OvsRouterKind =
  | { readonly kind: 'rules' | 'destination'; readonly version: string }
  | { readonly kind: 'unknown'; readonly why: string };

export function ovsRouterOf(text: string | undefined): OvsRouterKind {
  if (text === undefined || text.trim() === '') return { kind: 'unknown', why: 'Open_vSwitch ovs_version is empty' };
  // "3.7.1", "4.0.0", packaging suffixes ("3.5.0-1", "3.7.1~git..."): anything else is not guessed at.
  const m = /^(\d+)\.(\d+)(?:\.\d+)?(?:[-+~][\w.~+-]*)?$/.exec(text.trim());
  if (!m) return { kind: 'unknown', why: `Open_vSwitch ovs_version '${text}' is not a version` };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const rules = major > OVS_RULES_SINCE[0] || (major === OVS_RULES_SINCE[0] && minor >= OVS_RULES_SINCE[1]);
  return { kind: rules ? 'rules' : 'destination', version: text.trim() };
}

/** One entry of OVS's rule table. */
export interface OvsRouteRule {
  readonly priority: number;
  /** `ADDR` or `ADDR/LEN` as OVS prints it; undefined = `all`. */
  readonly src?: string;
  readonly invert: boolean;
  readonly table: string;
  /** `User:` (ovs/route/rule/add) rather than `Cached:` (imported from the kernel). */
  readonly user: boolean;
}

/**
 * `ovs/route/rule/show` (4.0: `Cached: 6082: from 192.0.2.12 lookup 6082`,
 * some rules printed twice); duplicates are dropped, unknown lines ignored.
 */
export function parseOvsRules(text: string): OvsRouteRule[] {
  const out: OvsRouteRule[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(Cached|User|\w+):\s*(\d+):\s*(not\s+)?from\s+(\S+)\s+lookup\s+(\S+)/.exec(line);
    if (!m || seen.has(line.trim())) continue;
    seen.add(line.trim());
    out.push({
      priority: Number(m[2]), ...(m[4] !== 'all' ? { src: m[4]! } : {}), invert: m[3] !== undefined, table: m[5]!, user: m[1] === 'User',
    });
  }
  return out;
}

/** `ovs/route/lookup IP [src=IP]`: "src S / gateway G / dev D" lines (gateway `::` or `0.0.0.0`: on-link). */
export function parseOvsLookup(text: string): { readonly dev?: string; readonly gateway?: string; readonly src?: string } {
  const field = (k: string) => new RegExp(`^\\s*${k}\\s+(\\S+)`, 'm').exec(text)?.[1];
  const gw = field('gateway');
  const dev = field('dev');
  const src = field('src');
  return { ...(dev ? { dev } : {}), ...(gw && gw !== '::' && gw !== '0.0.0.0' ? { gateway: gw } : {}), ...(src ? { src } : {}) };
}
