// Test helper: a node network namespace with a real ovsdb-server + ovs-vswitchd
// (netdev datapath, so VTEP internal ports are kernel taps in that netns),
// veth "PFs" into a fabric netns whose bridge holds the gateway addresses.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { requireRuntime } from '../../src/lab/runtime.ts';
import { run } from '../../src/util/exec.ts';
import { OvsdbClient } from '../../src/ovsdb/index.ts';
import { awaitCondition } from '../../src/node/underlay/index.ts';

export interface UnderlayEnv {
  readonly id: string;
  /** Node netns (vswitchd and the VTEP devices live here). */
  readonly ns: string;
  /** Fabric netns (gateway addresses on bridge fab0). */
  readonly fabric: string;
  readonly dir: string;
  readonly remote: string;
  readonly client: OvsdbClient;
  ip(args: string[]): Promise<string>;
  vsctl(args: string[]): Promise<string>;
  /** OVS configuration columns and the netns' links, addresses, rules, routes and rp_filter, as text. */
  snapshot(): Promise<string>;
  stop(): Promise<void>;
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface UnderlayEnvOptions {
  /** Node-side PF names (veths into the fabric netns). */
  readonly pfs: string[];
  /** Addresses of the fabric bridge (IPv4 /24, IPv6 /64). */
  readonly gateways: string[];
  /** false: IPv6 off in both netns, so packet counters see only the test's traffic (no ND/MLD). */
  readonly ipv6?: boolean;
}

export async function startUnderlayEnv(opts: UnderlayEnvOptions): Promise<UnderlayEnv> {
  const rt = await requireRuntime();
  const id = randomBytes(3).toString('hex');
  const ns = `mvu${id}`;
  const fabric = `mvf${id}`;
  const dir = await mkdtemp(join(tmpdir(), `mvtep-underlay-${id}-`));
  const sock = join(dir, 'db.sock');
  const children: ChildProcess[] = [];
  const netns: string[] = [];
  let client: OvsdbClient | undefined;
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };

  const spawnTracked = (argv: string[]): ChildProcess => {
    const c = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env });
    children.push(c);
    return c;
  };
  const stop = async () => {
    client?.close();
    for (const c of [...children].reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    }
    for (const n of netns) await run(['ip', 'netns', 'del', n], { allowFailure: true });
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const db = join(dir, 'conf.db');
    await run([...rt.argv('ovsdb-tool'), 'create', db, rt.schemas.vswitch]);
    const server = spawnTracked([...rt.argv('ovsdb-server'), db, `--remote=punix:${sock}`, `--unixctl=${join(dir, 'db.ctl')}`,
      `--log-file=${join(dir, 'db.log')}`, '-vconsole:off', '--no-chdir']);
    await awaitCondition(`ovsdb-server on ${sock}`, async () => {
      if (server.exitCode !== null) throw new Error(`ovsdb-server exited ${server.exitCode}`);
      return canConnect(sock);
    }, 30_000);
    const remote = `unix:${sock}`;
    const vsctlArgv = [...rt.argv('ovs-vsctl'), `--db=${remote}`, '--timeout=30'];
    await run([...vsctlArgv, '--no-wait', 'init']);

    for (const n of [ns, fabric]) {
      await run(['ip', 'netns', 'add', n]);
      netns.push(n);
      await run(['ip', '-n', n, 'link', 'set', 'lo', 'up']);
    }
    // IPv6 addresses without DAD: tests must not wait on timers.
    for (const n of [ns, fabric]) {
      await run(['ip', 'netns', 'exec', n, 'sysctl', '-q', '-w', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0',
        ...(opts.ipv6 === false ? ['net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.all.disable_ipv6=1'] : [])]);
    }
    await run(['ip', '-n', fabric, 'link', 'add', 'fab0', 'type', 'bridge']);
    for (const [i, pf] of opts.pfs.entries()) {
      await run(['ip', 'link', 'add', pf, 'netns', ns, 'type', 'veth', 'peer', 'name', `fp${i}`, 'netns', fabric]);
      await run(['ip', '-n', ns, 'link', 'set', pf, 'mtu', '1600', 'up']);
      await run(['ip', '-n', fabric, 'link', 'set', `fp${i}`, 'mtu', '1600', 'master', 'fab0', 'up']);
    }
    await run(['ip', '-n', fabric, 'link', 'set', 'fab0', 'up']);
    for (const g of opts.gateways) {
      await run(['ip', '-n', fabric, 'addr', 'add', `${g}/${g.includes(':') ? 64 : 24}`, 'dev', 'fab0', ...(g.includes(':') ? ['nodad'] : [])]);
    }

    // The PFs' IPv6 link-local addresses appear once both veth ends are up:
    // wait for them, so later snapshots compare a settled node.
    for (const pf of opts.ipv6 === false ? [] : opts.pfs) {
      await awaitCondition(`link-local address on ${pf}`, async () => {
        const out = (await run(['ip', '-n', ns, '-6', 'addr', 'show', 'dev', pf, 'scope', 'link'])).stdout;
        return out.includes('fe80:') && !out.includes('tentative');
      }, 30_000);
    }
    const ctl = join(dir, 'vswitchd.ctl');
    const vswitchd = spawnTracked(['ip', 'netns', 'exec', ns, ...rt.argv('ovs-vswitchd'), remote, `--unixctl=${ctl}`,
      `--log-file=${join(dir, 'vswitchd.log')}`, '-vconsole:off', '--no-chdir']);
    await awaitCondition('ovs-vswitchd control socket', async () => {
      if (vswitchd.exitCode !== null) throw new Error(`ovs-vswitchd exited ${vswitchd.exitCode}`);
      return canConnect(ctl);
    }, 30_000);
    // Like a real node, OVS already runs br-int, so the datapath device
    // (ovs-netdev) exists before mvtep adds bridges. Without --no-wait,
    // ovs-vsctl returns once vswitchd has applied it.
    await run([...vsctlArgv, 'add-br', 'br-int', '--', 'set', 'Bridge', 'br-int', 'datapath_type=netdev']);
    client = await OvsdbClient.connect(remote, { reconnect: false, requestTimeoutMs: 30_000 });

    const ip = async (args: string[]) => (await run(['ip', '-n', ns, ...args])).stdout;
    const vsctl = async (args: string[]) => (await run([...vsctlArgv, ...args])).stdout;
    const c = client;
    const snapshot = async () => {
      const cols: Record<string, string[]> = {
        Open_vSwitch: ['external_ids', 'bridges', 'other_config'],
        Bridge: ['name', 'ports', 'datapath_type', 'external_ids', 'other_config'],
        Port: ['name', 'interfaces', 'tag', 'external_ids'],
        Interface: ['name', 'type', 'mtu_request', 'external_ids', 'options'],
      };
      const res = await c.transact('Open_vSwitch', Object.entries(cols).map(([table, columns]) => ({ op: 'select' as const, table, where: [], columns: ['_uuid', ...columns] })));
      const ovs = res.map((r, i) => `${Object.keys(cols)[i]}: ${JSON.stringify((r.rows ?? []).map((row) => JSON.stringify(row)).sort())}`);
      const links = JSON.parse(await ip(['-j', 'addr', 'show'])) as { ifname: string; mtu: number; flags: string[]; addr_info: { local: string; prefixlen: number }[] }[];
      const linkText = links.map((l) => `${l.ifname} mtu ${l.mtu} ${l.flags.includes('UP') ? 'up' : 'down'} ${l.addr_info.map((a) => `${a.local}/${a.prefixlen}`).sort().join(' ')}`).sort();
      const rules = [await ip(['-4', 'rule', 'list']), await ip(['-6', 'rule', 'list'])];
      const routes = [await ip(['-4', 'route', 'show', 'table', 'all']), await ip(['-6', 'route', 'show', 'table', 'all'])];
      const rp = (await run(['ip', 'netns', 'exec', ns, 'sysctl', '-a', '-r', 'rp_filter'])).stdout;
      return [...ovs, ...linkText, ...rules, ...routes, rp].join('\n');
    };
    return { id, ns, fabric, dir, remote, client, ip, vsctl, snapshot, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
