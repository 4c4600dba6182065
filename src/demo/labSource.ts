/**
 * The dashboard's sources for a lab: every chassis' OVSDB, netns and sysfs,
 * the Southbound, trace confirmed by ofproto/trace on each chassis, and on a
 * netdev lab the wire (real packets captured on the PFs).
 */
import { existsSync } from 'node:fs';
import { defaultBridgeName } from '../config/index.ts';
import { basename } from 'node:path';
import { attachLab, listLabs, type Lab } from '../lab/index.ts';
import { MvtepError } from '../util/errors.ts';
import type { NicInput } from '../web/inputs.ts';
import type { LiveViewOptions } from '../web/live.ts';
import { makeTracer, type Confirmer } from './trace.ts';
import { labWireProber } from './wireWatch.ts';

/** ofproto/trace through the lab's vswitchd of the source chassis. */
export function labConfirmer(lab: Lab): Confirmer {
  return (chassis, flow) => lab.appctl(chassis, ['ofproto/trace', 'br-int', flow]);
}

/** NICs of each lab chassis from the scenario: PF, VTEP IP and purpose as the class (devices come from routing). */
export function labNics(lab: Lab): Map<string, NicInput[]> {
  return new Map(Object.values(lab.chassis).map((c) => [c.name, c.nics.map((n) => ({
    pf: n.pf, bridge: defaultBridgeName(n.pf), vtep: null, ip: n.vtep ?? null, class: n.purpose ?? null,
  }))]));
}

export function labViewOptions(lab: Lab, extra: { nics?: ReadonlyMap<string, readonly NicInput[]>; log?: (l: string) => void } = {}): Omit<LiveViewOptions, 'hub'> {
  return {
    source: { kind: 'lab', name: `${lab.name} (${lab.id})` },
    sb: lab.sb.remote,
    nodes: Object.values(lab.chassis).map((c) => ({ ovsdb: c.ovsdbRemote, netns: c.netns, sysfs: c.sysfsRoot, appctlTarget: c.vswitchdCtl })),
    nics: extra.nics ?? labNics(lab),
    tracer: makeTracer({ confirm: labConfirmer(lab) }),
    // Real packets move only on a netdev lab: there the dashboard shows what they did on the PFs.
    ...(lab.scenario?.datapath === 'netdev' ? { wire: labWireProber(lab, extra.log ? { log: extra.log } : {}) } : {}),
    ...(extra.log ? { log: extra.log } : {}),
  };
}

/** Finds a running lab by name, id or work dir and returns the dashboard options for it. */
export async function labLiveOptions(nameOrDir: string, log?: (l: string) => void): Promise<{ options: Omit<LiveViewOptions, 'hub'>; close(): Promise<void> }> {
  let workDir: string | undefined;
  if (existsSync(nameOrDir)) workDir = nameOrDir;
  else {
    const labs = await listLabs();
    // Like `mvtep lab`: the work dir's name (lab up --name), the scenario's name, or the lab id.
    const match = labs.filter((l) => basename(l.workDir) === nameOrDir || l.name === nameOrDir || l.id === nameOrDir);
    if (match.length === 0) {
      throw new MvtepError('lab-not-found', `no running lab named '${nameOrDir}' (running: ${labs.map((l) => l.name).join(', ') || 'none'})`, nameOrDir);
    }
    if (match.length > 1) throw new MvtepError('lab-ambiguous', `several labs are named '${nameOrDir}': give the id or work dir`, nameOrDir);
    workDir = match[0]!.workDir;
  }
  const lab = await attachLab(workDir);
  return { options: labViewOptions(lab, log ? { log } : {}), close: async () => {} };
}
