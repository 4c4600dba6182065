import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../util/exec.ts';
import { allSettledOrThrow, daemonEnv, type LabContext } from './context.ts';

const QUIET = ['-vconsole:off', '-vsyslog:off'];

export type LabDb = 'nb' | 'sb' | 'ic_nb' | 'ic_sb';

/**
 * Starts one ovsdb-server for `db` in `dir`; returns its remote and control
 * socket. `prefix` tells apart the daemons of several zones in the state.
 */
export async function startDb(ctx: LabContext, dir: string, db: LabDb, prefix = ''): Promise<{ remote: string; ctl: string }> {
  const file = join(dir, `ovn${db}_db.db`);
  const { schemas } = ctx.runtime;
  const schema = { nb: schemas.nb, sb: schemas.sb, ic_nb: schemas.icNb, ic_sb: schemas.icSb }[db];
  await run([...ctx.runtime.argv('ovsdb-tool'), 'create', file, schema]);
  const sock = join(dir, `ovn${db}_db.sock`);
  const ctl = join(dir, `ovn${db}_db.ctl`);
  const log = join(dir, `ovsdb-server-${db}.log`);
  const rec = await ctx.daemon(`${prefix}ovsdb-server-${db}`, 'ovsdb-server', [
    file, `--remote=punix:${sock}`, `--unixctl=${ctl}`, `--pidfile=${join(dir, `ovsdb-server-${db}.pid`)}`,
    `--log-file=${log}`, ...QUIET,
  ], daemonEnv(dir), dir);
  await ctx.awaitControl(rec, ctl, log);
  return { remote: `unix:${sock}`, ctl };
}

/** Two databases side by side in `<workDir>/<sub>` (NB+SB, IC-NB+IC-SB), started in parallel. */
type LabDbHandle = { remote: string; ctl: string };

export async function startDbPair(ctx: LabContext, sub: string, dbs: readonly [LabDb, LabDb], prefix = ''): Promise<{ dir: string; pair: readonly [LabDbHandle, LabDbHandle] }> {
  const dir = join(ctx.state.workDir, sub);
  await mkdir(dir, { recursive: true });
  const [a, b] = await allSettledOrThrow([startDb(ctx, dir, dbs[0], prefix), startDb(ctx, dir, dbs[1], prefix)]);
  return { dir, pair: [a, b] };
}

/** NB and SB databases plus ovn-northd, all in `<workDir>/central`. */
export async function startCentral(ctx: LabContext): Promise<void> {
  const { dir, pair: [nb, sb] } = await startDbPair(ctx, 'central', ['nb', 'sb']);
  ctx.state.nb = nb;
  ctx.state.sb = sb;
  const ctl = join(dir, 'ovn-northd.ctl');
  const log = join(dir, 'ovn-northd.log');
  const rec = await ctx.daemon('ovn-northd', 'ovn-northd', [
    `--ovnnb-db=${nb.remote}`, `--ovnsb-db=${sb.remote}`, `--unixctl=${ctl}`,
    `--pidfile=${join(dir, 'ovn-northd.pid')}`, `--log-file=${log}`, ...QUIET,
  ], daemonEnv(dir), dir);
  ctx.state.northdCtl = ctl;
  await ctx.save();
  await ctx.awaitControl(rec, ctl, log);
}
