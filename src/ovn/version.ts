import { MvtepError } from '../util/errors.ts';

/** An OVN release as [major, minor, patch] (OVN numbers releases YY.MM.patch). */
export type OvnVersion = readonly [number, number, number];

export class OvnVersionError extends MvtepError {}

export const MIN_SUPPORTED_OVN: OvnVersion = [24, 3, 0];

/** Parses "24.09.3", "25.03.0-1ubuntu2", "ovn-controller 25.03.1" and the like. */
export function parseOvnVersion(text: string): OvnVersion {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) throw new OvnVersionError('ovn-version-syntax', `not an OVN version: '${text}'`, text);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function compareVersions(a: OvnVersion, b: OvnVersion): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function atLeast(v: OvnVersion, min: OvnVersion): boolean {
  return compareVersions(v, min) >= 0;
}

export function formatVersion(v: OvnVersion): string {
  return `${v[0]}.${String(v[1]).padStart(2, '0')}.${v[2]}`;
}

/**
 * The behaviour switches that differ between the releases we support. Each
 * is tied to an OVN change, not to a guess: the multi-encap feature itself
 * (24.03.0), `ovn-encap-ip-default` and the two-Encap-rows rule (24.09.0), and the fix that swaps the
 * default into encap ID 0 so non-VIF traffic uses it too (24.09.3, 25.03.0).
 */
export interface OvnFeatures {
  readonly version: OvnVersion;
  readonly multiEncap: boolean;
  readonly encapIpDefault: boolean;
  readonly defaultIsEncapIdZero: boolean;
  /** Since 24.09.0 a VIF's encap-ip is ignored on a chassis with fewer than two Encap rows. */
  readonly encapIpNeedsTwoEncaps: boolean;
  /**
   * A chassis skips an (ip, type) another chassis already owns ("cannot
   * duplicate") instead of both looping on failing SB transactions: 26.03.0,
   * backported to 24.03.7, 25.03.2 and 25.09.1 (25.03.0 of trixie lacks it).
   */
  readonly duplicateEncapGuard: boolean;
}

function duplicateEncapGuard(v: OvnVersion): boolean {
  if (atLeast(v, [26, 3, 0])) return true;
  const [major, minor, patch] = v;
  return (major === 24 && minor === 3 && patch >= 7) || (major === 25 && minor === 3 && patch >= 2)
    || (major === 25 && minor === 9 && patch >= 1);
}

export function ovnFeatures(v: OvnVersion): OvnFeatures {
  const defaultIsEncapIdZero =
    (v[0] === 24 && v[1] === 9 && v[2] >= 3) || (v[0] === 24 && v[1] > 9) || atLeast(v, [25, 3, 0]);
  return {
    version: v,
    multiEncap: atLeast(v, MIN_SUPPORTED_OVN),
    encapIpDefault: atLeast(v, [24, 9, 0]),
    defaultIsEncapIdZero,
    encapIpNeedsTwoEncaps: atLeast(v, [24, 9, 0]),
    duplicateEncapGuard: duplicateEncapGuard(v),
  };
}

/** The release the lab runs; the default when nothing tells us otherwise. */
export const DEFAULT_OVN_VERSION: OvnVersion = [25, 3, 0];

/** The features of a version string as reported somewhere (SB_Global, --ovn-version); absent or unreadable: DEFAULT_OVN_VERSION. */
export function featuresOfVersionText(text: string | null | undefined): OvnFeatures {
  if (text) {
    try {
      return ovnFeatures(parseOvnVersion(text));
    } catch {
      // An unreadable version reads as the default release, like an absent one.
    }
  }
  return ovnFeatures(DEFAULT_OVN_VERSION);
}
