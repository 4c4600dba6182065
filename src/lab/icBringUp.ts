import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { chassisHandle, startChassis } from './chassis.ts';
import { allSettledOrThrow, type LabContext } from './context.ts';
import { startLabFabric } from './fabric.ts';
import { awaitIcReady } from './icReadiness.ts';
import { buildIcTopology } from './icTopology.ts';
import { startIcDatabases, startZone } from './icZones.ts';
import { plugRepresentors, podHandle } from './pods.ts';
import type { Scenario } from './scenario.ts';
import type { ChassisHandle, LabState } from './state.ts';

export const ZONES_FILE = 'zones.yaml';

/** The zones file (docs/interconnect.md) describing a running interconnect lab. */
export function zonesDocument(state: LabState): unknown {
  return {
    ...(state.icNb ? { icNb: state.icNb.remote } : {}),
    ...(state.icSb ? { icSb: state.icSb.remote } : {}),
    zones: (state.zones ?? []).map((z) => {
      const c = state.chassis.find((h) => h.name === z.chassis);
      return {
        name: z.name, nb: z.nb.remote, sb: z.sb.remote,
        chassis: c ? [{ name: c.name, ovsdb: c.ovsdbRemote, netns: c.netns, vswitchdCtl: c.vswitchdCtl }] : [],
      };
    }),
  };
}

/**
 * Interconnect bring-up: IC databases, then one zone per chassis (NB, SB,
 * northd, ovn-ic), the chassis on their zone's SB, the topology, the pods;
 * returns when every zone sees every other through ovn-ic.
 */
export async function bringUpInterconnect(ctx: LabContext, scenario: Scenario, readyTimeoutMs: number): Promise<void> {
  const { state, log } = ctx;
  const handles: ChassisHandle[] = scenario.chassis.map((c, i) => chassisHandle(state.workDir, state.id, c, i + 1));
  await allSettledOrThrow([
    startIcDatabases(ctx),
    startLabFabric(ctx, scenario.fabric),
  ]);
  state.zones = await allSettledOrThrow(scenario.chassis.map((c) => startZone(ctx, c.name)));
  await ctx.save();
  log(`IC-NB, IC-SB and ${state.zones.length} zones (NB, SB, northd, ovn-ic) up`);
  const chassis = await allSettledOrThrow(scenario.chassis.map((c, i) =>
    startChassis(ctx, scenario, c, handles[i]!, state.fabric!, state.zones![i]!.sb.remote)));
  state.chassis.push(...chassis);
  await ctx.save();
  log(`chassis up: ${chassis.map((c) => c.name).join(', ')}`);

  const pods = scenario.pods.map((p) => podHandle(p, chassis.find((c) => c.name === p.chassis)!));
  await buildIcTopology(ctx, scenario, state.zones, pods, readyTimeoutMs);
  await allSettledOrThrow(chassis.map((c) => plugRepresentors(ctx, c, pods.filter((p) => p.chassis === c.name))));
  state.pods.push(...pods);
  state.zonesFile = join(state.workDir, ZONES_FILE);
  await writeFile(state.zonesFile, stringify(zonesDocument(state)));
  await ctx.save();
  ctx.checkAbort();
  log(`${pods.length} pods plugged; waiting for remote chassis, tunnels and bindings in every zone`);
  await awaitIcReady({ scenario, zones: state.zones, chassis, pods, abort: () => ctx.checkAbort() }, readyTimeoutMs);
}
