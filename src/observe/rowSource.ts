import { OvsdbClient, type ColumnName, type MonitorSpecFor, type RowOf, type TableMap, type TableName } from '../ovsdb/index.ts';

/**
 * Where observed rows come from: a live MonitorCache (the dashboard and the
 * agent keep one open) satisfies this as is, and readRows() gives a one-shot
 * snapshot of the same shape. Readers in src/observe take a RowSource, never
 * a remote string, so one reader serves both.
 */
export interface RowSource<T extends TableMap> {
  rows<K extends TableName<T>>(table: K): ReadonlyMap<string, RowOf<T, K>>;
}

/** The columns to read per table; readers export theirs so live monitors can subscribe to exactly those. */
export type TableColumns<T extends TableMap> = { readonly [K in TableName<T>]?: readonly ColumnName<T, K>[] };

export interface ReadRowsOptions {
  readonly timeoutMs?: number;
}

/**
 * One consistent read of `columns` (a monitor's initial dump, closed right
 * after: its compiled row decoders are the fastest path for 100k-row tables).
 * `remote` may be a connected client, which is left open.
 */
export async function readRows<T extends TableMap>(
  remote: string | OvsdbClient, db: string, columns: TableColumns<T>, opts: ReadRowsOptions = {},
): Promise<RowSource<T>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const client = typeof remote === 'string'
    ? await OvsdbClient.connect(remote, { connectTimeoutMs: timeoutMs, reconnect: false, probeIntervalMs: 0 })
    : remote;
  try {
    const cache = client.monitor<T>(db, columns as MonitorSpecFor<T>, { initialDumpTimeoutMs: timeoutMs });
    try {
      await cache.ready;
    } finally {
      cache.close();
    }
    // A closed cache keeps its rows: it is the snapshot.
    return cache;
  } finally {
    if (typeof remote === 'string') client.close();
  }
}
