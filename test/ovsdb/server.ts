// Test helper: a real ovsdb-server from the OVN runtime in a private temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { requireRuntime, type OvnRuntime } from '../../src/lab/runtime.ts';
import { run } from '../../src/util/exec.ts';

export interface TestServer {
  readonly rt: OvnRuntime;
  readonly dir: string;
  /** unix:... remote of the server. */
  readonly remote: string;
  readonly sock: string;
  /** Database files served. */
  readonly dbFiles: readonly string[];
  readonly extraRemotes: readonly string[];
  pid(): number | undefined;
  /** kill -9 the server. */
  kill(): Promise<void>;
  /** Starts the server again on the same files and socket. */
  start(): Promise<void>;
  /** Stops the server and removes the temp dir. */
  stop(): Promise<void>;
  /** Runs ovsdb-client against this server. */
  client(args: string[]): Promise<string>;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}

export function canConnect(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path: sock });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface ServerOptions {
  /** Which runtime schemas to create databases from (default vswitch). */
  readonly schemas?: readonly ('vswitch' | 'sb' | 'nb')[];
  /** Extra --remote arguments (e.g. ptcp:0:127.0.0.1). */
  readonly extraRemotes?: readonly string[];
  /** Extra ovsdb-server arguments (e.g. --private-key=...). */
  readonly extraArgs?: readonly string[];
  /** Existing database files to serve instead (e.g. cluster members). */
  readonly dbFiles?: readonly string[];
  readonly dir?: string;
  readonly name?: string;
}

export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  const rt = await requireRuntime();
  const dir = opts.dir ?? await mkdtemp(join(tmpdir(), 'mvtep-ovsdb-'));
  const name = opts.name ?? 'db';
  const sock = join(dir, `${name}.sock`);
  const dbFiles: string[] = [];
  if (opts.dbFiles) {
    dbFiles.push(...opts.dbFiles);
  } else {
    for (const s of opts.schemas ?? ['vswitch']) {
      const file = join(dir, `${s}.db`);
      await run([...rt.argv('ovsdb-tool'), 'create', file, rt.schemas[s]]);
      dbFiles.push(file);
    }
  }
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const argv = [...rt.argv('ovsdb-server'), ...dbFiles,
      `--remote=punix:${sock}`, ...(opts.extraRemotes ?? []).map((r) => `--remote=${r}`),
      `--unixctl=${join(dir, `${name}.ctl`)}`, `--log-file=${join(dir, `${name}.log`)}`, '-vconsole:off', '--no-chdir',
      ...(opts.extraArgs ?? [])];
    const c = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child = c;
    exited = new Promise((resolve) => c.once('exit', () => resolve()));
    await waitFor(`ovsdb-server on ${sock}`, async () => {
      if (c.exitCode !== null) throw new Error(`ovsdb-server exited with ${c.exitCode}; see ${join(dir, `${name}.log`)}`);
      return (await canConnect(sock)) || undefined;
    });
  };
  await start();
  const kill = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    // A killed server leaves its socket file behind.
    await rm(sock, { force: true });
  };
  return {
    rt, dir, remote: `unix:${sock}`, sock, dbFiles, extraRemotes: opts.extraRemotes ?? [],
    pid: () => child?.pid,
    kill,
    start,
    stop: async () => {
      await kill();
      if (!opts.dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
    client: async (args) => (await run([...rt.argv('ovsdb-client'), ...args], { timeoutMs: 60_000 })).stdout,
  };
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** Runs a short-lived program; a failure to start counts as exit 127. */
export async function runQuiet(argv: readonly string[], timeoutMs = 10_000): Promise<{ code: number; stdout: string }> {
  const r = await run(argv, { timeoutMs, allowFailure: true }).catch(() => ({ code: 127, stdout: '' }));
  return { code: r.code, stdout: r.stdout };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}
