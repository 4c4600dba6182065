// A bare local Open_vSwitch database for attach/agent tests and benchmarks:
// a real ovsdb-server with the vswitch schema, optionally a real
// ovs-vswitchd (dummy datapath) so cur_cfg/next_cfg waits are real, and a
// fixture sysfs tree with SR-IOV NICs. No OVN needed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireRuntime, type OvnRuntime } from '../../src/lab/runtime.ts';
import { spawnDaemon, stopDaemons, logTail, type DaemonRecord } from '../../src/lab/process.ts';
import { waitFor, ready, notYet } from '../../src/lab/wait.ts';
import { run } from '../../src/util/exec.ts';
import { buildSysfsFixture, type FixtureNicSpec, type SysfsFixture } from '../../src/sriov/index.ts';
import { existsSync } from 'node:fs';
import { canConnect } from '../../src/util/unixSocket.ts';

/** Runs a program (argv, no shell) with the harness' environment. */
export function exec(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return run(argv, { env });
}

export interface OvsHarness {
  readonly dir: string;
  readonly remote: string;
  readonly rt: OvnRuntime;
  readonly sysfs: SysfsFixture;
  /** ovs-vsctl argv prefix bound to this database. */
  vsctl(args: readonly string[], opts?: { wait?: boolean }): Promise<string>;
  /** Restarts ovsdb-server on the same database (an OVS upgrade or crash, as clients see it). */
  restartDb(): Promise<void>;
  /** Stops ovsdb-server: nothing listens on the socket path until startDb(). */
  stopDb(): Promise<void>;
  /** Starts ovsdb-server again on the same database and socket path. */
  startDb(): Promise<void>;
  down(): Promise<void>;
}

export interface HarnessOptions {
  readonly vswitchd?: boolean;
  readonly nics?: readonly FixtureNicSpec[];
  readonly externalIds?: Readonly<Record<string, string>>;
  /**
   * How ovs-vswitchd fakes devices: 'override' (default) turns every port,
   * system ones too, into a dummy netdev; 'plain' is how the lab runs it
   * (--enable-dummy: only internal ports get a device, system ports without a
   * netdev fail to open but are still "applied").
   */
  readonly dummy?: 'override' | 'plain';
}

/** Seed layout: 3 PFs, 4 VFs each, VTEPs from 192.0.2.0/24. */
export const SEED_NICS: readonly FixtureNicSpec[] = [
  { pf: 'enp1s0f0', pci: '0000:01:00.0', totalVfs: 8, numVfs: 4 },
  { pf: 'enp2s0f0', pci: '0000:02:00.0', totalVfs: 8, numVfs: 4 },
  { pf: 'enp3s0f0', pci: '0000:03:00.0', totalVfs: 8, numVfs: 4 },
];
export const SEED_IDS = {
  'system-id': 'hv1',
  'ovn-encap-ip': '192.0.2.1,192.0.2.2,192.0.2.3',
  'ovn-pf-encap-ip-mapping': 'enp1s0f0:192.0.2.1,enp2s0f0:192.0.2.2,enp3s0f0:192.0.2.3',
};

export async function startOvs(opts: HarnessOptions = {}): Promise<OvsHarness> {
  const rt = await requireRuntime();
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-ovs-'));
  const daemons: DaemonRecord[] = [];
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
  const sock = join(dir, 'db.sock');
  const remote = `unix:${sock}`;
  const vsctl = async (args: readonly string[], o: { wait?: boolean } = {}) =>
    (await exec([...rt.argv('ovs-vsctl'), `--db=${remote}`, ...(o.wait ? [] : ['--no-wait']), '--timeout=30', ...args], env)).stdout.trim();
  const down = async () => {
    await stopDaemons([...daemons].reverse());
    await rm(dir, { recursive: true, force: true });
  };
  const db = join(dir, 'conf.db');
  const startDb = async () => {
    daemons.unshift(await spawnDaemon({
      name: 'ovsdb-server', env, log: join(dir, 'ovsdb-server.log'), cwd: dir,
      argv: [...rt.argv('ovsdb-server'), db, `--remote=p${remote}`, `--unixctl=${join(dir, 'ovsdb-server.ctl')}`,
        `--pidfile=${join(dir, 'ovsdb-server.pid')}`, '-vconsole:off', `--log-file=${join(dir, 'ovsdb-server.log')}`],
    }));
    // The socket file appears at bind(), before listen(): probe with a real connect.
    await waitFor('ovsdb-server to accept connections', async () =>
      (existsSync(sock) && (await canConnect(sock)) ? ready(true) : notYet(await logTail(join(dir, 'ovsdb-server.log')))), 30_000);
  };
  /** Stops ovsdb-server (clients see the connection drop) and starts it again on the same file. */
  const stopDb = async () => {
    const i = daemons.findIndex((d) => d.name === 'ovsdb-server');
    if (i < 0) return;
    const [rec] = daemons.splice(i, 1);
    await stopDaemons([rec!]);
  };
  const restartDb = async () => {
    await stopDb();
    await startDb();
  };
  try {
    await exec([...rt.argv('ovsdb-tool'), 'create', db, rt.schemas.vswitch], env);
    await startDb();
    const ids = { ...SEED_IDS, ...opts.externalIds };
    await vsctl(['init', '--', 'set', 'Open_vSwitch', '.', ...Object.entries(ids).map(([k, v]) => `external_ids:${k}="${v}"`),
      '--', 'add-br', 'br-int', '--', 'set', 'Bridge', 'br-int', 'datapath_type=dummy', 'fail_mode=secure']);
    if (opts.vswitchd) {
      const ctl = join(dir, 'ovs-vswitchd.ctl');
      daemons.push(await spawnDaemon({
        name: 'ovs-vswitchd', env, log: join(dir, 'ovs-vswitchd.log'), cwd: dir,
        // =override: every port (our representors too) becomes a dummy netdev, so adds succeed.
        argv: [...rt.argv('ovs-vswitchd'), remote, opts.dummy === 'plain' ? '--enable-dummy' : '--enable-dummy=override', '--disable-system', `--unixctl=${ctl}`,
          `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`, '-vconsole:off', `--log-file=${join(dir, 'ovs-vswitchd.log')}`],
      }));
      // vswitchd has caught up once cur_cfg reaches next_cfg after a --wait no-op.
      await exec([...rt.argv('ovs-vsctl'), `--db=${remote}`, '--timeout=60', 'set', 'Open_vSwitch', '.', 'external_ids:mvtep-harness=1'], env);
    }
    const sysfs = await buildSysfsFixture(join(dir, 'sys'), opts.nics ?? SEED_NICS, { seed: 1 });
    return { dir, remote, rt, sysfs, vsctl, down, restartDb, stopDb, startDb };
  } catch (err) {
    await down();
    throw err;
  }
}
