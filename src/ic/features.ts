import { OvsdbClient, Uuid } from '../ovsdb/index.ts';
import type { OvnNorthboundTables, OvnSouthboundTables } from '../schema/index.ts';
import { Deadline } from '../util/deadline.ts';
import { errorMessage } from '../util/errors.ts';
import { notYet, pollUntil, ready } from '../util/wait.ts';
import { STEER_MARKER_KEY } from './sbWriter.ts';

/**
 * Whether a zone's northd honours the `requested-encap-ip` LSP option (OVN's
 * main branch after 26.03; no schema column tells, it is an options key),
 * found by behaviour: a throw-away switch with one `type=remote` port asking
 * for one Encap of a remote chassis, then what northd put in that port's
 * Port_Binding.encap once it caught up (NB_Global.nb_cfg reaching
 * SB_Global.nb_cfg), then the switch is deleted again.
 */
export type FeatureVerdict = 'honoured' | 'ignored' | 'unknown';

export interface ZoneFeatures {
  readonly zone: string;
  readonly requestedEncapIp: FeatureVerdict;
  /** What the probe saw, or why it could not run. */
  readonly detail: string;
}

/** external_ids value on the probe's rows (under STEER_MARKER_KEY): `ic steer --uninstall` removes leftovers. */
export const PROBE_MARKER_VALUE = 'probe';

export interface ProbeOptions {
  readonly timeoutMs?: number;
}

interface ProbeTarget {
  readonly chassis: string;
  readonly encapUuid: string;
  readonly ip: string;
}

/** A remote chassis of the zone and one of its Encap rows (the probe asks for that one). */
async function pickTarget(sb: OvsdbClient, timeoutMs: number): Promise<ProbeTarget | undefined> {
  const tx = sb.transaction<OvnSouthboundTables>('OVN_Southbound');
  const chassis = tx.select('Chassis', [], ['name', 'encaps', 'other_config']);
  const encaps = tx.select('Encap', [], ['_uuid', 'ip']);
  await tx.commit({ timeoutMs });
  const ipOf = new Map(encaps.rows.map((e) => [e._uuid.value, e.ip] as const));
  for (const c of chassis.rows) {
    if (c.other_config?.get('is-remote') !== 'true') continue;
    const first = (c.encaps ?? []).map((u) => u.value).find((u) => ipOf.has(u));
    if (first) return { chassis: c.name, encapUuid: first, ip: ipOf.get(first)! };
  }
  return undefined;
}

export async function probeZoneFeatures(zone: { readonly name: string; readonly nb: string; readonly sb: string }, opts: ProbeOptions = {}): Promise<ZoneFeatures> {
  const deadline = new Deadline(opts.timeoutMs ?? 10_000);
  const unknown = (detail: string): ZoneFeatures => ({ zone: zone.name, requestedEncapIp: 'unknown', detail });
  let nb: OvsdbClient | undefined;
  let sb: OvsdbClient | undefined;
  let probeSwitch: Uuid | undefined;
  try {
    // Both connects settle before either failure is thrown, so the one that worked is closed below.
    const [n, s] = await Promise.allSettled([zone.nb, zone.sb].map((r) => OvsdbClient.connect(r, { connectTimeoutMs: deadline.remainingMs(), requestTimeoutMs: deadline.remainingMs(), reconnect: false })));
    nb = n!.status === 'fulfilled' ? n!.value : undefined;
    sb = s!.status === 'fulfilled' ? s!.value : undefined;
    if (n!.status === 'rejected') throw n!.reason;
    if (s!.status === 'rejected') throw s!.reason;
    const target = await pickTarget(sb!, deadline.remainingMs());
    if (!target) return unknown('no remote chassis with an Encap in this zone to ask for');
    const name = `mvtep-probe-${process.pid}-${Date.now().toString(36)}`;
    const marker = { [STEER_MARKER_KEY]: PROBE_MARKER_VALUE };
    const tx = nb!.transaction<OvnNorthboundTables>('OVN_Northbound');
    const lsp = tx.insert('Logical_Switch_Port', {
      name, type: 'remote', addresses: ['unknown'], external_ids: marker,
      options: { 'requested-chassis': target.chassis, 'requested-encap-ip': target.ip },
    });
    const ls = tx.insert('Logical_Switch', { name, ports: [lsp], external_ids: marker });
    // What ovn-nbctl --wait=sb does: bump nb_cfg with the change, then wait for northd to copy it to the SB.
    tx.mutate('NB_Global', [], [['nb_cfg', '+=', 1]]);
    const cfg = tx.select('NB_Global', [], ['nb_cfg']);
    const result = await tx.commit({ timeoutMs: deadline.remainingMs() });
    probeSwitch = result.uuid(ls);
    const want = cfg.rows[0]?.nb_cfg ?? 0;
    const encap = await pollUntil(async () => {
      const r = sb!.transaction<OvnSouthboundTables>('OVN_Southbound');
      const g = r.select('SB_Global', [], ['nb_cfg']);
      const pb = r.select('Port_Binding', [['logical_port', '==', name]], ['encap']);
      await r.commit({ timeoutMs: deadline.remainingMs() });
      if ((g.rows[0]?.nb_cfg ?? 0) < want || pb.rows.length === 0) return notYet(`northd has not processed nb_cfg ${want} yet`);
      return ready(pb.rows[0]!.encap?.[0]?.value);
    }, deadline.remainingMs(), { onTimeout: (why) => new Error(why) });
    if (encap === target.encapUuid) return { zone: zone.name, requestedEncapIp: 'honoured', detail: `northd set Port_Binding.encap to ${target.chassis}'s ${target.ip} as requested` };
    return {
      zone: zone.name, requestedEncapIp: 'ignored',
      detail: encap === undefined ? `northd left Port_Binding.encap empty although ${target.ip} of ${target.chassis} was requested` : `northd set Port_Binding.encap to another row than ${target.ip} of ${target.chassis}`,
    };
  } catch (err) {
    return unknown(errorMessage(err));
  } finally {
    if (probeSwitch && nb?.isConnected) {
      // The port goes with its switch (a non-root row referenced by it only).
      await nb.transaction<OvnNorthboundTables>('OVN_Northbound').delete('Logical_Switch', [['_uuid', '==', probeSwitch]]).commit({ timeoutMs: 5000 }).catch(() => {});
    }
    nb?.close();
    sb?.close();
  }
}

/** Every zone probed in parallel. */
export function probeFeatures(zones: readonly { readonly name: string; readonly nb: string; readonly sb: string }[], opts: ProbeOptions = {}): Promise<ZoneFeatures[]> {
  return Promise.all(zones.map((z) => probeZoneFeatures(z, opts)));
}
