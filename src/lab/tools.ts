import { run } from '../util/exec.ts';
import type { OvnRuntime, RuntimeProgram } from './runtime.ts';

/**
 * The OVS/OVN command-line tools, each pointed at an explicit database or
 * control socket (never at the system defaults: other OVN instances run on
 * this machine).
 */
export class LabTools {
  constructor(readonly runtime: OvnRuntime, private readonly env: NodeJS.ProcessEnv) {}

  async exec(program: RuntimeProgram, args: readonly string[], timeoutMs = 60_000): Promise<string> {
    const r = await run([...this.runtime.argv(program), ...args], { env: this.env, timeoutMs });
    return r.stdout;
  }

  vsctl(db: string, args: readonly string[], opts: { noWait?: boolean } = {}): Promise<string> {
    return this.exec('ovs-vsctl', [`--db=${db}`, '--timeout=30', ...(opts.noWait ? ['--no-wait'] : []), ...args]);
  }

  nbctl(db: string, args: readonly string[]): Promise<string> {
    return this.exec('ovn-nbctl', [`--db=${db}`, '--timeout=30', ...args]);
  }

  sbctl(db: string, args: readonly string[]): Promise<string> {
    return this.exec('ovn-sbctl', [`--db=${db}`, '--timeout=30', ...args]);
  }

  appctl(ctl: string, args: readonly string[]): Promise<string> {
    return this.exec('ovs-appctl', ['-t', ctl, '--timeout=30', ...args]);
  }
}

/** Environment for the tools: no daemon mode, no system default sockets. */
export function toolEnv(runDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  delete env['OVN_NB_DAEMON'];
  delete env['OVN_SB_DAEMON'];
  for (const k of ['OVS_RUNDIR', 'OVS_LOGDIR', 'OVS_DBDIR', 'OVS_SYSCONFDIR', 'OVN_RUNDIR', 'OVN_LOGDIR', 'OVN_DBDIR', 'OVN_SYSCONFDIR']) {
    env[k] = runDir;
  }
  return env;
}
