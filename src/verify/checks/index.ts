import { buildContext } from '../context.ts';
import { sortFindings, type Finding } from '../findings.ts';
import type { GatheredState } from '../../observe/index.ts';
import { configChecks } from './config.ts';
import { datapathChecks } from './datapath.ts';
import { interconnectChecks } from './interconnect.ts';
import { routingChecks } from './routing.ts';
import { southboundChecks } from './southbound.ts';
import { tunnelChecks } from './tunnels.ts';
import { versionChecks } from './version.ts';
import { vifChecks } from './vifs.ts';

/** All checks over one gathered state; pure. */
export function runChecks(state: GatheredState): Finding[] {
  const ctx = buildContext(state);
  return sortFindings([
    ...versionChecks(ctx),
    ...configChecks(ctx),
    ...vifChecks(ctx),
    ...southboundChecks(ctx),
    ...tunnelChecks(ctx),
    ...routingChecks(ctx),
    ...datapathChecks(ctx),
    ...interconnectChecks(ctx),
  ]);
}
