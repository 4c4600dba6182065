import { setTimeout as delay } from 'node:timers/promises';

export type Probe<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

export const ready = <T>(value: T): Probe<T> => ({ ok: true, value });
export const notYet = (why: string): Probe<never> => ({ ok: false, why });

export interface PollOptions {
  /** Builds the error thrown at the deadline; `why` is the last probe's reason. */
  readonly onTimeout: (why: string) => Error;
  /** Checked before every probe: an error returned here ends the wait at once. */
  readonly abort?: () => Error | undefined;
  readonly minIntervalMs?: number;
  readonly maxIntervalMs?: number;
}

/**
 * Polls `probe` until it reports ready or `timeoutMs` passes. The interval
 * backs off (25 ms to 250 ms by default): fast on an idle machine, cheap on
 * a loaded one. A probe that throws ends the wait with that error (a dead
 * daemon does not become ready by waiting).
 */
export async function pollUntil<T>(probe: () => Promise<Probe<T>>, timeoutMs: number, options: PollOptions): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const max = options.maxIntervalMs ?? 250;
  let interval = options.minIntervalMs ?? 25;
  for (;;) {
    const aborted = options.abort?.();
    if (aborted) throw aborted;
    const r = await probe();
    if (r.ok) return r.value;
    if (Date.now() >= deadline) throw options.onTimeout(r.why);
    await delay(Math.min(interval, Math.max(1, deadline - Date.now())));
    interval = Math.min(max, interval * 2);
  }
}
