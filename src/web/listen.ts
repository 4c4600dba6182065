import { isLoopback, LOOPBACK_HOST, type ListenAddress } from '../config/index.ts';
import { MvtepError } from '../util/errors.ts';

export class DashboardError extends MvtepError {}

export const DEFAULT_LISTEN: ListenAddress = { host: LOOPBACK_HOST, port: 8631 };

/** Refuses a non-loopback bind unless the caller asked for it explicitly. */
export function checkBind(addr: ListenAddress, allowNonLoopback: boolean): void {
  if (!isLoopback(addr.host) && !allowNonLoopback) {
    throw new DashboardError('listen-not-loopback',
      `refusing to serve the dashboard on ${addr.host}: not a loopback address (pass it with --listen to allow it explicitly)`,
      addr.host);
  }
}
