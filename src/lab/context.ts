import { dirname, join } from 'node:path';
import { run } from '../util/exec.ts';
import { DaemonError, isAlive, logTail, spawnDaemon, type DaemonRecord } from './process.ts';
import type { OvnRuntime, RuntimeProgram } from './runtime.ts';
import { writeState, type LabState } from './state.ts';
import { LabTools, toolEnv } from './tools.ts';
import { notYet, ready, waitFor } from './wait.ts';

/** Generous: the machine has two cores shared by several OVN instances. */
export const DAEMON_READY_MS = 30_000;

/**
 * What the setup steps share: the state (saved before each resource is
 * created, so teardown always knows about it), the runtime and the tools.
 */
export class LabContext {
  readonly tools: LabTools;
  private saving: Promise<void> = Promise.resolve();

  constructor(readonly state: LabState, readonly runtime: OvnRuntime, readonly log: (line: string) => void,
    readonly checkAbort: () => void = () => {}) {
    this.tools = new LabTools(runtime, toolEnv(join(state.workDir, 'tools')));
  }

  /** Serialised: parallel setup steps must not interleave their writes. */
  save(): Promise<void> {
    this.saving = this.saving.then(() => writeState(this.state));
    return this.saving;
  }

  async netnsAdd(name: string): Promise<void> {
    this.checkAbort();
    this.state.netns.push(name);
    await this.save();
    await run(['ip', 'netns', 'add', name]);
    await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  }

  /**
   * Starts `program` detached and records it. `netns`: run it inside that
   * namespace (`ip netns exec` execs in place, so the PID is the daemon's).
   */
  async daemon(name: string, program: RuntimeProgram, args: readonly string[], env: NodeJS.ProcessEnv,
    dir: string, netns?: string): Promise<DaemonRecord> {
    this.checkAbort();
    const argv = [...(netns ? ['ip', 'netns', 'exec', netns] : []), ...this.runtime.argv(program), ...args];
    const rec = await spawnDaemon({ name, argv, env, log: join(dir, `${name}.out`), cwd: dir });
    this.state.daemons.push(rec);
    await this.save();
    return rec;
  }

  /**
   * Kills the recorded daemon `name` with SIGKILL (a crash, not a clean stop)
   * and starts it again with the same argv; returns once it answers on its
   * control socket. Databases keep their file, so state survives as in a real
   * restart. `whileDown` runs between the kill and the restart.
   */
  async crashAndRestart(name: string, whileDown?: () => Promise<void>): Promise<DaemonRecord> {
    const i = this.state.daemons.findIndex((d) => d.name === name);
    const rec = this.state.daemons[i];
    if (!rec) throw new DaemonError('daemon-unknown', `no lab daemon '${name}' (known: ${this.state.daemons.map((d) => d.name).join(', ')})`, name);
    if (await isAlive(rec)) process.kill(rec.pid, 'SIGKILL');
    await waitFor(`${name} (pid ${rec.pid}) to die`, async () => (await isAlive(rec)) ? notYet('alive') : ready(true), 10_000);
    await whileDown?.();
    const arg = (flag: string) => rec.argv.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
    const dir = dirname(rec.log);
    const fresh = await spawnDaemon({ name, argv: rec.argv, env: daemonEnv(dir), log: rec.log, cwd: dir });
    this.state.daemons[i] = fresh;
    await this.save();
    const ctl = arg('unixctl');
    if (ctl) await this.awaitControl(fresh, ctl, arg('log-file') ?? rec.log);
    return fresh;
  }

  /** Waits until the daemon answers on its control socket; fails fast with its log if it died. */
  async awaitControl(rec: DaemonRecord, ctl: string, logFile: string): Promise<void> {
    await waitFor(`${rec.name} control socket`, async () => {
      if (!(await isAlive(rec))) {
        throw new DaemonError('daemon-exited', `${rec.name} (pid ${rec.pid}) exited during start:\n${await logTail(logFile)}\n${await logTail(rec.log)}`, rec.argv);
      }
      const r = await run([...this.runtime.argv('ovs-appctl'), '-t', ctl, '--timeout=5', 'version'], { allowFailure: true, timeoutMs: 10_000 });
      return r.code === 0 ? ready(true) : notYet(r.stderr.trim() || `exit ${r.code}`);
    }, DAEMON_READY_MS);
  }
}

/** Environment for every daemon of one chassis (or the central): all run/db/log dirs point at `dir`. */
export function daemonEnv(dir: string): NodeJS.ProcessEnv {
  return toolEnv(dir);
}

/**
 * Like Promise.all, but waits for every step to settle before failing: a
 * sibling still spawning daemons while teardown runs would leak them.
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(steps: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
