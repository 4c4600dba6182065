import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { OvnRuntime } from '../src/lab/runtime.ts';
import { OvsdbClient } from '../src/ovsdb/index.ts';
import { run } from '../src/util/exec.ts';

export interface SbServer {
  readonly remote: string;
  /** Connected, for loading rows; the caller closes it. */
  readonly client: OvsdbClient;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** A fresh ovsdb-server with the runtime's Southbound schema in `dir`, connected once it listens. */
export async function startSb(rt: OvnRuntime, dir: string, name = 'sb'): Promise<SbServer> {
  const db = join(dir, `${name}.db`);
  const sock = join(dir, `${name}.sock`);
  await run([...rt.argv('ovsdb-tool'), 'create', db, rt.schemas.sb]);
  const server: ChildProcess = spawn(rt.argv('ovsdb-server')[0]!, [...rt.argv('ovsdb-server').slice(1), db, `--remote=punix:${sock}`,
    `--unixctl=${join(dir, `${name}.ctl`)}`, '--no-chdir', '-vconsole:off', '-vsyslog:off', `--log-file=${join(dir, `${name}.log`)}`], { stdio: 'ignore' });
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  };
  try {
    const deadline = Date.now() + 30_000;
    let client: OvsdbClient | undefined;
    while (!client) {
      client = await OvsdbClient.connect(`unix:${sock}`, { reconnect: false }).catch(() => undefined);
      if (!client) {
        if (Date.now() > deadline) throw new Error(`ovsdb-server ${name} did not come up`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { remote: `unix:${sock}`, client, pid: server.pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
