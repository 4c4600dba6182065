import { MvtepError } from '../util/errors.ts';
import { pollUntil, type Probe } from '../util/wait.ts';

export { notYet, ready, type Probe } from '../util/wait.ts';

/** A readiness condition that did not hold before its deadline. */
export class LabTimeoutError extends MvtepError {
  constructor(what: string, timeoutMs: number, why: string) {
    super('lab-timeout', `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}: ${why}`, { what, why });
  }
}

/** pollUntil with the lab's timeout error. */
export function waitFor<T>(what: string, probe: () => Promise<Probe<T>>, timeoutMs: number): Promise<T> {
  return pollUntil(probe, timeoutMs, { onTimeout: (why) => new LabTimeoutError(what, timeoutMs, why) });
}
