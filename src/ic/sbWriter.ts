import { Uuid, type OvsdbClient } from '../ovsdb/index.ts';
import type { OvnSouthboundTables } from '../schema/index.ts';
import type { EncapWrite } from './l2Plan.ts';

/**
 * The one key mvtep owns in a zone's SB_Global.external_ids: while it is
 * there, the `encap` column of that zone's `type=remote` Port_Bindings is
 * written by `mvtep ic steer` (upstream nothing writes it: northd and
 * ovn-controller leave it alone, ovn-ic does not sync it). `--uninstall`
 * clears those columns and then this key.
 */
export const STEER_MARKER_KEY = 'mvtep-ic-steer';

export interface SbWriteOptions {
  readonly timeoutMs: number;
  /** Set (string) or remove (null) the zone's ownership marker in the same transaction. */
  readonly marker?: string | null;
}

/** Writes Port_Binding.encap of every port in `writes` in one transaction (all or nothing). */
export async function writeRemoteEncaps(client: OvsdbClient, writes: readonly EncapWrite[], opts: SbWriteOptions): Promise<void> {
  const tx = client.transaction<OvnSouthboundTables>('OVN_Southbound');
  for (const w of writes) {
    tx.update('Port_Binding', [['logical_port', '==', w.lport]], { encap: w.encap === undefined ? [] : [new Uuid(w.encap)] });
  }
  if (typeof opts.marker === 'string') tx.setMapKeys('SB_Global', [], 'external_ids', { [STEER_MARKER_KEY]: opts.marker });
  else if (opts.marker === null) tx.deleteMapKeys('SB_Global', [], 'external_ids', [STEER_MARKER_KEY]);
  if (tx.size === 0) return;
  await tx.commit({ timeoutMs: opts.timeoutMs });
}
