import { setTimeout as delay } from 'node:timers/promises';
import { MvtepError } from '../util/errors.ts';

/** A readiness condition that did not hold before its deadline. */
export class LabTimeoutError extends MvtepError {
  constructor(what: string, timeoutMs: number, why: string) {
    super('lab-timeout', `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}: ${why}`, { what, why });
  }
}

export type Probe<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

export const ready = <T>(value: T): Probe<T> => ({ ok: true, value });
export const notYet = (why: string): Probe<never> => ({ ok: false, why });

/**
 * Polls `probe` until it reports ready or the deadline passes. The poll
 * interval backs off from 25 ms to 250 ms: fast on an idle machine, cheap on
 * a loaded one. A probe that throws fails the wait at once (a dead daemon
 * does not become ready by waiting).
 */
export async function waitFor<T>(what: string, probe: () => Promise<Probe<T>>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let interval = 25;
  for (;;) {
    const r = await probe();
    if (r.ok) return r.value;
    if (Date.now() >= deadline) throw new LabTimeoutError(what, timeoutMs, r.why);
    await delay(Math.min(interval, Math.max(1, deadline - Date.now())));
    interval = Math.min(250, interval * 2);
  }
}
