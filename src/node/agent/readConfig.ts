import { OvsdbClient } from '../../ovsdb/index.ts';
import { mapOf } from '../../observe/index.ts';

/** Open_vSwitch external_ids of the node (one select; the table has one row). */
export async function readOpenVswitchExternalIds(remote: string, timeoutMs = 10_000): Promise<Map<string, string>> {
  const client = await OvsdbClient.connect(remote, { connectTimeoutMs: timeoutMs, reconnect: false });
  try {
    const tx = client.transaction('Open_vSwitch');
    const sel = tx.select('Open_vSwitch', [], ['external_ids']);
    await tx.commit({ timeoutMs });
    return mapOf(sel.rows[0]?.['external_ids']);
  } finally {
    client.close();
  }
}
