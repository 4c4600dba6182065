import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { MvtepError } from '../util/errors.ts';
import { waitFor, notYet, ready } from './wait.ts';

/** A daemon the lab started: enough to find it again from another process and stop only it. */
export interface DaemonRecord {
  readonly name: string;
  readonly pid: number;
  /** /proc/<pid>/stat start time: guards against killing a reused PID. */
  readonly startTime: string;
  readonly argv: readonly string[];
  readonly log: string;
}

export class DaemonError extends MvtepError {}

/** Start time and state of `pid`, or undefined when there is no such process. */
async function procStat(pid: number): Promise<{ state: string; startTime: string } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** Whether the recorded daemon is still this very process and not a zombie. */
export async function isAlive(rec: Pick<DaemonRecord, 'pid' | 'startTime'>): Promise<boolean> {
  const st = await procStat(rec.pid);
  return st !== undefined && st.startTime === rec.startTime && st.state !== 'Z' && st.state !== 'X';
}

export interface SpawnSpec {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly log: string;
  readonly cwd?: string;
}

/**
 * Starts a daemon in its own session with output to `log`, detached so it
 * outlives the starting process (`mvtep lab up` returns, the lab stays).
 */
export async function spawnDaemon(spec: SpawnSpec): Promise<DaemonRecord> {
  const [file, ...args] = spec.argv;
  if (!file) throw new DaemonError('daemon-argv', `${spec.name}: empty argv`, spec.argv);
  const fd = openSync(spec.log, 'a');
  let child;
  try {
    child = spawn(file, args, { env: spec.env, cwd: spec.cwd, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('error', (e) => reject(new DaemonError('daemon-spawn', `${spec.name}: cannot start ${file}: ${e.message}`, spec.argv)));
    child.once('spawn', () => resolve(child.pid!));
  });
  child.unref();
  const st = await procStat(pid);
  if (!st) throw new DaemonError('daemon-exited', `${spec.name} exited immediately (see ${spec.log})`, spec.argv);
  return { name: spec.name, pid, startTime: st.startTime, argv: spec.argv, log: spec.log };
}

/** Stops the recorded daemons (SIGTERM, then SIGKILL after `graceMs`) and waits until they are gone. */
export async function stopDaemons(recs: readonly DaemonRecord[], graceMs = 5000): Promise<void> {
  const live: DaemonRecord[] = [];
  for (const rec of recs) {
    if (!(await isAlive(rec))) continue;
    live.push(rec);
    try {
      process.kill(rec.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const remaining = async () => {
    const out: DaemonRecord[] = [];
    for (const r of live) if (await isAlive(r)) out.push(r);
    return out;
  };
  try {
    await waitFor('daemons to exit', async () => {
      const left = await remaining();
      return left.length === 0 ? ready(true) : notYet(left.map((r) => `${r.name}(${r.pid})`).join(', '));
    }, graceMs);
  } catch {
    for (const r of await remaining()) {
      try {
        process.kill(r.pid, 'SIGKILL');
      } catch {
        // raced with its exit
      }
    }
    await waitFor('killed daemons to exit', async () => {
      const left = await remaining();
      return left.length === 0 ? ready(true) : notYet(left.map((r) => `${r.name}(${r.pid})`).join(', '));
    }, 5000);
  }
}

/** Last lines of a daemon's log, for error messages. */
export async function logTail(path: string, lines = 8): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
