import { join } from 'node:path';
import { daemonEnv, type LabContext } from './context.ts';
import { notYet, ready, waitFor } from './wait.ts';
import { startDbPair } from './central.ts';
import type { ZoneHandle } from './state.ts';

const QUIET = ['-vconsole:off', '-vsyslog:off'];

/**
 * Interconnect labs: the shared IC-NB and IC-SB databases (`<workDir>/ic`),
 * one of each for all zones, as OVN's interconnection docs lay them out.
 */
export async function startIcDatabases(ctx: LabContext): Promise<void> {
  const { pair: [icNb, icSb] } = await startDbPair(ctx, 'ic', ['ic_nb', 'ic_sb']);
  ctx.state.icNb = icNb;
  ctx.state.icSb = icSb;
  await ctx.save();
  await ctx.tools.exec('ovn-ic-nbctl', [`--db=${icNb.remote}`, '--timeout=30', 'init']);
}

/**
 * One zone, named after its chassis (OVN-Kubernetes runs one zone per node):
 * NB, SB, ovn-northd and ovn-ic in `<workDir>/zones/<chassis>`. The NB_Global
 * name is the availability zone's name in IC-SB.
 */
export async function startZone(ctx: LabContext, chassis: string): Promise<ZoneHandle> {
  const prefix = `${chassis}-`;
  const { dir, pair: [nb, sb] } = await startDbPair(ctx, join('zones', chassis), ['nb', 'sb'], prefix);
  await ctx.tools.nbctl(nb.remote, ['init', '--', 'set', 'NB_Global', '.', `name=${chassis}`]);
  const env = daemonEnv(dir);
  const northdCtl = join(dir, 'ovn-northd.ctl');
  const northdLog = join(dir, 'ovn-northd.log');
  const northd = await ctx.daemon(`${prefix}ovn-northd`, 'ovn-northd', [
    `--ovnnb-db=${nb.remote}`, `--ovnsb-db=${sb.remote}`, `--unixctl=${northdCtl}`,
    `--pidfile=${join(dir, 'ovn-northd.pid')}`, `--log-file=${northdLog}`, ...QUIET,
  ], env, dir);
  await ctx.awaitControl(northd, northdCtl, northdLog);
  // ovn-ic reads SB_Global at start: on 26.03 it was seen to crash (CI, once) when started next to a northd
  // that had not created it yet. Start it only once northd has: `ovn-sbctl --wait` is not for SB_Global, so poll.
  await waitFor(`SB_Global in zone ${chassis}`, async () => {
    ctx.checkAbort();
    const out = await ctx.tools.sbctl(sb.remote, ['--bare', '--columns=_uuid', 'list', 'SB_Global']);
    return out.trim() !== '' ? ready(true) : notYet('northd has not created it yet');
  }, 30_000);
  const icCtl = join(dir, 'ovn-ic.ctl');
  const icLog = join(dir, 'ovn-ic.log');
  const ic = await ctx.daemon(`${prefix}ovn-ic`, 'ovn-ic', [
    `--ovnnb-db=${nb.remote}`, `--ovnsb-db=${sb.remote}`,
    `--ic-nb-db=${ctx.state.icNb!.remote}`, `--ic-sb-db=${ctx.state.icSb!.remote}`,
    `--unixctl=${icCtl}`, `--pidfile=${join(dir, 'ovn-ic.pid')}`, `--log-file=${icLog}`, ...QUIET,
  ], env, dir);
  await ctx.awaitControl(ic, icCtl, icLog);
  return { name: chassis, chassis, dir, nb, sb, northdCtl, icCtl };
}
