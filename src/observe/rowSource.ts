import { Deadline } from '../util/deadline.ts';
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
  // One budget for connect, schema fetch and dump together; a given client without one keeps its own deadlines.
  const budget = opts.timeoutMs ?? (typeof remote === 'string' ? 30_000 : undefined);
  const deadline = budget === undefined ? undefined : new Deadline(budget);
  const left = (): { timeoutMs?: number } => (deadline ? { timeoutMs: deadline.remainingMs() } : {});
  const client = typeof remote === 'string'
    ? await OvsdbClient.connect(remote, { connectTimeoutMs: deadline!.remainingMs(), reconnect: false, probeIntervalMs: 0 })
    : remote;
  try {
    // The schema fetch goes first (so its timeout is reported as such), then the dump gets what is left.
    await client.schema(db, left());
    const dump = left();
    const cache = client.monitor<T>(db, columns as MonitorSpecFor<T>, dump.timeoutMs === undefined ? {} : { initialDumpTimeoutMs: dump.timeoutMs });
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
