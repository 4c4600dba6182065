import { ExecError, type ExecResult } from '../util/exec.ts';
import { run } from '../util/exec.ts';
import { RoutingError } from './errors.ts';
import { parseLinks, parseRouteGet, parseRoutes, parseRules } from './parse.ts';
import {
  MVTEP_PROTO, type Family, type IpRoute, type IpRule, type LinkState, type RouteLookup, type RoutingBackend, type RpFilter,
} from './types.ts';

export type Exec = (argv: readonly string[], options?: { allowFailure?: boolean }) => Promise<ExecResult>;

export interface Iproute2Options {
  /** Target network namespace (`ip -n NS`, `ip netns exec NS sysctl`); the current one when absent. */
  readonly netns?: string;
  /** argv prefix of iproute2's `ip` (default `['ip']`). */
  readonly ip?: readonly string[];
  readonly sysctl?: readonly string[];
  /** Injected for tests of argv construction; defaults to run(). */
  readonly exec?: Exec;
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const OURS = String(MVTEP_PROTO);

function famFlag(f: Family): string {
  return f === 4 ? '-4' : '-6';
}

function checkDev(dev: string): void {
  if (!IFNAME.test(dev)) throw new RoutingError('routing-invalid-argument', `not an interface name: ${JSON.stringify(dev)}`, dev);
}

/** RoutingBackend over iproute2's JSON output; argv arrays only, never a shell. */
export class Iproute2 implements RoutingBackend {
  readonly netns: string | undefined;
  private readonly ip: readonly string[];
  private readonly sysctl: readonly string[];
  private readonly exec: Exec;

  constructor(options: Iproute2Options = {}) {
    this.netns = options.netns;
    this.ip = options.ip ?? ['ip'];
    this.sysctl = options.sysctl ?? ['sysctl'];
    this.exec = options.exec ?? ((argv, o) => run(argv, { timeoutMs: 30_000, ...o }));
  }

  /** argv for `ip [-n NS] ARGS...` */
  ipArgv(args: readonly string[]): string[] {
    return [...this.ip, ...(this.netns ? ['-n', this.netns] : []), ...args];
  }

  private async call(args: readonly string[], what: string): Promise<string> {
    const argv = this.ipArgv(args);
    try {
      return (await this.exec(argv)).stdout;
    } catch (err) {
      const stderr = err instanceof ExecError ? err.result?.stderr.trim() : undefined;
      throw new RoutingError('routing-command-failed', `${what} failed${this.netns ? ` in netns ${this.netns}` : ''}: ${stderr || (err as Error).message}`, argv, stderr, err);
    }
  }

  async listLinks(): Promise<LinkState[]> {
    return parseLinks(await this.call(['-json', '-details', 'addr', 'show'], 'ip addr show'));
  }

  async link(name: string): Promise<LinkState | undefined> {
    checkDev(name);
    const argv = this.ipArgv(['-json', '-details', 'addr', 'show', 'dev', name]);
    const r = await this.exec(argv, { allowFailure: true });
    if (r.code !== 0) {
      if (/does not exist|Cannot find device/i.test(r.stderr)) return undefined;
      throw new RoutingError('routing-command-failed', `ip addr show dev ${name} failed: ${r.stderr.trim()}`, argv, r.stderr);
    }
    return parseLinks(r.stdout)[0];
  }

  async listRules(family: Family): Promise<IpRule[]> {
    return parseRules(await this.call([famFlag(family), '-json', 'rule', 'list'], 'ip rule list'), family);
  }

  async listRoutes(family: Family, table: string | number): Promise<IpRoute[]> {
    const t = String(table);
    const argv = this.ipArgv([famFlag(family), '-json', 'route', 'show', 'table', t]);
    const r = await this.exec(argv, { allowFailure: true });
    // The kernel creates a table with its first route: no table yet means no routes.
    if (r.code !== 0 && /FIB table does not exist/.test(r.stderr)) return [];
    if (r.code !== 0) throw new RoutingError('routing-command-failed', `ip route show table ${t} failed: ${r.stderr.trim()}`, argv, r.stderr);
    return parseRoutes(r.stdout, family, t);
  }

  async addAddress(dev: string, address: string, prefixLength: number): Promise<void> {
    checkDev(dev);
    // nodad: a tentative IPv6 address cannot be a source yet, and `ip route get from` would fail.
    const v6 = address.includes(':');
    await this.call(['addr', 'add', `${address}/${prefixLength}`, 'dev', dev, ...(v6 ? ['nodad'] : [])], `adding ${address}/${prefixLength} to ${dev}`);
  }

  async deleteAddress(dev: string, address: string, prefixLength: number): Promise<void> {
    checkDev(dev);
    await this.call(['addr', 'del', `${address}/${prefixLength}`, 'dev', dev], `removing ${address}/${prefixLength} from ${dev}`);
  }

  async setLinkUp(dev: string, up: boolean): Promise<void> {
    checkDev(dev);
    await this.call(['link', 'set', 'dev', dev, up ? 'up' : 'down'], `setting ${dev} ${up ? 'up' : 'down'}`);
  }

  async setMtu(dev: string, mtu: number): Promise<void> {
    checkDev(dev);
    await this.call(['link', 'set', 'dev', dev, 'mtu', String(mtu)], `setting MTU ${mtu} on ${dev}`);
  }

  private ruleArgs(rule: IpRule): string[] {
    return [famFlag(rule.family), 'rule', '$op', ...(rule.src ? ['from', rule.src] : []), 'lookup', rule.table, 'pref', String(rule.priority), 'proto', OURS];
  }

  async addRule(rule: IpRule): Promise<void> {
    await this.call(this.ruleArgs(rule).map((a) => (a === '$op' ? 'add' : a)), `adding rule ${describeRule(rule)}`);
  }

  async deleteRule(rule: IpRule): Promise<void> {
    if (rule.protocol !== undefined && rule.protocol !== OURS) {
      throw new RoutingError('routing-not-ours', `refusing to delete rule ${describeRule(rule)}: protocol ${rule.protocol}, not mvtep's ${OURS}`, rule);
    }
    await this.call(this.ruleArgs(rule).map((a) => (a === '$op' ? 'del' : a)), `deleting rule ${describeRule(rule)}`);
  }

  private routeArgs(op: string, r: IpRoute): string[] {
    return [
      famFlag(r.family), 'route', op, r.dst,
      ...(r.gateway ? ['via', r.gateway] : []),
      ...(r.dev ? ['dev', r.dev] : []),
      ...(r.scope && op === 'add' ? ['scope', r.scope] : []),
      ...(r.prefsrc && op === 'add' ? ['src', r.prefsrc] : []),
      ...(r.metric !== undefined ? ['metric', String(r.metric)] : []),
      'table', r.table, 'proto', OURS,
    ];
  }

  async addRoute(route: IpRoute): Promise<void> {
    if (route.dev) checkDev(route.dev);
    await this.call(this.routeArgs('add', route), `adding route ${describeRoute(route)}`);
  }

  async deleteRoute(route: IpRoute): Promise<void> {
    if (route.protocol !== undefined && route.protocol !== OURS) {
      throw new RoutingError('routing-not-ours', `refusing to delete route ${describeRoute(route)}: protocol ${route.protocol}, not mvtep's ${OURS}`, route);
    }
    await this.call(this.routeArgs('del', route), `deleting route ${describeRoute(route)}`);
  }

  async routeGet(dst: string, from?: string): Promise<RouteLookup> {
    return parseRouteGet(await this.call(['-json', 'route', 'get', dst, ...(from ? ['from', from] : [])], `ip route get ${dst}${from ? ` from ${from}` : ''}`));
  }

  private sysctlArgv(args: readonly string[]): string[] {
    return this.netns ? [...this.ip, 'netns', 'exec', this.netns, ...this.sysctl, ...args] : [...this.sysctl, ...args];
  }

  private async sysctlRead(key: string): Promise<RpFilter> {
    const argv = this.sysctlArgv(['-n', key]);
    let out: string;
    try {
      out = (await this.exec(argv)).stdout.trim();
    } catch (err) {
      throw new RoutingError('routing-command-failed', `reading ${key} failed: ${(err as Error).message}`, argv, undefined, err);
    }
    if (out !== '0' && out !== '1' && out !== '2') throw new RoutingError('routing-bad-output', `${key} is ${JSON.stringify(out)}, not 0, 1 or 2`, out);
    return Number(out) as RpFilter;
  }

  async readRpFilter(dev: string): Promise<{ all: RpFilter; dev: RpFilter; effective: RpFilter }> {
    checkDev(dev);
    // Slash form: device names may contain '.', which sysctl's dotted form would split.
    const all = await this.sysctlRead('net/ipv4/conf/all/rp_filter');
    const own = await this.sysctlRead(`net/ipv4/conf/${dev}/rp_filter`);
    return { all, dev: own, effective: Math.max(all, own) as RpFilter };
  }

  async writeRpFilter(dev: string, value: RpFilter): Promise<void> {
    checkDev(dev);
    const argv = this.sysctlArgv(['-q', '-w', `net/ipv4/conf/${dev}/rp_filter=${value}`]);
    try {
      await this.exec(argv);
    } catch (err) {
      throw new RoutingError('routing-command-failed', `setting rp_filter=${value} on ${dev} failed: ${(err as Error).message}`, argv, undefined, err);
    }
  }
}

export function describeRule(r: IpRule): string {
  return `${r.priority}: from ${r.src ?? 'all'} lookup ${r.table}${r.protocol ? ` proto ${r.protocol}` : ''}`;
}

export function describeRoute(r: IpRoute): string {
  return [r.dst, r.gateway && `via ${r.gateway}`, r.dev && `dev ${r.dev}`, r.scope && `scope ${r.scope}`, r.prefsrc && `src ${r.prefsrc}`, `table ${r.table}`]
    .filter(Boolean).join(' ');
}
