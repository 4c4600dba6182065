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

/** NB and SB databases plus ovn-northd, all in `<workDir>/central`. */
export async function startCentral(ctx: LabContext): Promise<void> {
  const dir = join(ctx.state.workDir, 'central');
  await mkdir(dir, { recursive: true });
  const [nb, sb] = await allSettledOrThrow([startDb(ctx, dir, 'nb'), startDb(ctx, dir, 'sb')]);
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
