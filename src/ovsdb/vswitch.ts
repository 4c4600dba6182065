import { OvsdbTimeoutError } from './errors.ts';
import type { OvsdbClient } from './client.ts';
import type { MonitorCache } from './monitor.ts';
import type { CommitResult, Transaction } from './transaction.ts';

export interface VswitchWaitOptions {
  /** How long to wait for ovs-vswitchd to catch up (default 30 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Database name (default Open_vSwitch). */
  readonly db?: string;
  /** A live cache that monitors Open_vSwitch.cur_cfg (saves starting a monitor). */
  readonly cache?: MonitorCache;
}

export interface VswitchWaitResult {
  readonly result: CommitResult;
  /** The next_cfg value this transaction set; cur_cfg has reached it. */
  readonly nextCfg: number;
}

function curCfgs(cache: MonitorCache): number[] {
  return [...cache.rows('Open_vSwitch').values()].map((r) => Number(r['cur_cfg'] ?? 0));
}

/**
 * Like `ovs-vsctl --wait=reconfigured`: adds `next_cfg += 1` to `tx` (or
 * sends it alone), commits, then waits until ovs-vswitchd reports
 * `cur_cfg >= next_cfg`, i.e. it has applied this transaction.
 */
export async function bumpNextCfgAndWait(client: OvsdbClient, tx?: Transaction, opts: VswitchWaitOptions = {}): Promise<VswitchWaitResult> {
  const db = opts.db ?? tx?.db ?? 'Open_vSwitch';
  const t = tx ?? client.transaction(db);
  t.mutate('Open_vSwitch', [], [['next_cfg', '+=', 1]]);
  const sel = t.select('Open_vSwitch', [], ['next_cfg']);
  const own = opts.cache ? undefined : client.monitor(db, { Open_vSwitch: ['cur_cfg'] });
  const cache = opts.cache ?? own!;
  try {
    await cache.ready;
    const result = await t.commit(opts.signal ? { signal: opts.signal } : {});
    const nextCfg = Number(sel.rows[0]?.['next_cfg'] ?? 0);
    await waitForCurCfg(cache, nextCfg, opts);
    return { result, nextCfg };
  } finally {
    own?.close();
  }
}

/** Resolves once some Open_vSwitch row has cur_cfg >= `target`. */
export function waitForCurCfg(cache: MonitorCache, target: number, opts: VswitchWaitOptions = {}): Promise<void> {
  if (curCfgs(cache).some((c) => c >= target)) return Promise.resolve();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      cache.off('change', onChange);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onChange = () => {
      if (curCfgs(cache).some((c) => c >= target)) done();
    };
    const onAbort = () => done(new OvsdbTimeoutError('wait for ovs-vswitchd cancelled', target));
    const timer = setTimeout(() => done(new OvsdbTimeoutError(
      `ovs-vswitchd did not apply the change within ${timeoutMs} ms (cur_cfg ${curCfgs(cache).join(',') || 'none'} < next_cfg ${target}); is ovs-vswitchd running?`,
      { target, timeoutMs })), timeoutMs);
    cache.on('change', onChange);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
