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

/**
 * Writes Port_Binding.encap of every port in `writes` in one transaction (all
 * or nothing). Returns the rows the update matched nothing in: the port
 * went away, or is no longer a remote port, between the read and the write.
 */
export async function writeRemoteEncaps(client: OvsdbClient, writes: readonly EncapWrite[], opts: SbWriteOptions): Promise<Set<string>> {
  const tx = client.transaction<OvnSouthboundTables>('OVN_Southbound');
  // The UUIDs came from the server's own rows: no need to check their syntax 5,000 times.
  for (const w of writes) {
    // By row UUID: an update selecting by logical_port makes ovsdb-server scan the table once per port (58 s at 50 zones).
    // Only while it is a remote port: one that became a local VIF since the read is ovn-controller's to write.
    tx.update('Port_Binding', [['_uuid', '==', Uuid.trusted(w.row)], ['type', '==', 'remote']], { encap: w.encap === undefined ? [] : [Uuid.trusted(w.encap)] });
  }
  if (typeof opts.marker === 'string') tx.setMapKeys('SB_Global', [], 'external_ids', { [STEER_MARKER_KEY]: opts.marker });
  else if (opts.marker === null) tx.deleteMapKeys('SB_Global', [], 'external_ids', [STEER_MARKER_KEY]);
  if (tx.size === 0) return new Set();
  const result = await tx.commit({ timeoutMs: opts.timeoutMs });
  return new Set(writes.filter((_, i) => result.count(i) === 0).map((w) => w.row));
}
