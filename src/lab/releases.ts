import { MvtepError } from '../util/errors.ts';

export type Version = readonly [number, number, number];

/** The OVN releases mvtep installs and tests against, oldest first. */
export const OVN_RELEASES = ['25.03', '26.03'] as const;
export type OvnRelease = (typeof OVN_RELEASES)[number];

/** The release used when none is asked for: the one every part of mvtep was first tested on. */
export const DEFAULT_RELEASE: OvnRelease = '25.03';

/** Environment variable that picks the release for the lab, tests and benchmarks. */
export const RELEASE_ENV = 'MVTEP_OVN_RELEASE';

export interface ReleaseInfo {
  readonly release: OvnRelease;
  /** Debian suite whose packages (and shared libraries) make up the runtime. */
  readonly suite: string;
  readonly minOvn: Version;
  readonly minOvs: Version;
}

export const RELEASE_INFO: Readonly<Record<OvnRelease, ReleaseInfo>> = {
  '25.03': { release: '25.03', suite: 'trixie', minOvn: [25, 3, 0], minOvs: [3, 5, 0] },
  // sid's OVN links sid's libc: the whole dependency set comes from sid.
  '26.03': { release: '26.03', suite: 'sid', minOvn: [26, 3, 0], minOvs: [3, 7, 0] },
};

export class ReleaseError extends MvtepError {}

export function isOvnRelease(text: string): text is OvnRelease {
  return (OVN_RELEASES as readonly string[]).includes(text);
}

/** Parses a release name given under `key` (a flag or an environment variable). */
export function parseRelease(text: string, key: string): OvnRelease {
  const trimmed = text.trim();
  if (isOvnRelease(trimmed)) return trimmed;
  throw new ReleaseError('release-unknown',
    `${key}: unknown OVN release '${text}' (known: ${OVN_RELEASES.join(', ')})`, { key, token: text });
}

/** The release asked for: the explicit one, else $MVTEP_OVN_RELEASE, else undefined. */
export function requestedRelease(explicit: OvnRelease | undefined, env: NodeJS.ProcessEnv): OvnRelease | undefined {
  if (explicit) return explicit;
  const fromEnv = env[RELEASE_ENV];
  return fromEnv ? parseRelease(fromEnv, RELEASE_ENV) : undefined;
}

export function parseVersion(text: string): Version | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function versionAtLeast(v: Version, min: Version): boolean {
  for (let i = 0; i < 3; i++) {
    if (v[i]! !== min[i]!) return v[i]! > min[i]!;
  }
  return true;
}

/** The known release an OVN version belongs to (same major.minor), if any. */
export function releaseOfVersion(ovnVersion: string): OvnRelease | undefined {
  const v = parseVersion(ovnVersion);
  if (!v) return undefined;
  const name = `${v[0]}.${String(v[1]).padStart(2, '0')}`;
  return isOvnRelease(name) ? name : undefined;
}
