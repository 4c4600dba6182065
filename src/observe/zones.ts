import { errorMessage } from '../util/errors.ts';
import { readSouthbound } from './southbound.ts';
import type { ZoneState } from './state.ts';

/** What reading a zone needs from the zones file. */
export interface ZoneSource {
  readonly name: string;
  readonly sb: string;
}

export interface ZonesReadOptions {
  /** Deadline per zone (connect and initial read). */
  readonly timeoutMs?: number;
  readonly withMacs?: boolean;
}

/** Per zone: a dead zone must not hold up the report for long, one slow SB is not all of them. */
export const DEFAULT_ZONE_TIMEOUT_MS = 10_000;

/**
 * Every zone's Southbound, read in parallel, each with its own deadline.
 * A zone that cannot be read is kept with its error (the checks report it):
 * dropping it would make its pods look homeless and its chassis unknown.
 */
export async function readZones(zones: readonly ZoneSource[], opts: ZonesReadOptions = {}): Promise<ZoneState[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ZONE_TIMEOUT_MS;
  return Promise.all(zones.map(async (z): Promise<ZoneState> => {
    try {
      const g = await readSouthbound(z.sb, { timeoutMs, ...(opts.withMacs ? { withMacs: true } : {}) });
      return { name: z.name, southbound: g.southbound, ...(g.ovnVersion ? { ovnVersion: g.ovnVersion } : {}) };
    } catch (err) {
      return { name: z.name, error: `${z.sb}: ${errorMessage(err)}` };
    }
  }));
}
