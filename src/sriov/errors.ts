import { MvtepError } from '../util/errors.ts';

export type SriovErrorCode =
  | 'sriov-no-device'
  | 'sriov-not-representor'
  | 'sriov-not-vf'
  | 'sriov-legacy-mode'
  | 'sriov-broken-link'
  | 'sriov-no-uplink'
  | 'sriov-device-mismatch'
  | 'sriov-sysfs-unreadable';

/** A device we cannot map to a PF uplink; `input` is the name or address asked for. */
export class SriovError extends MvtepError {
  declare readonly code: SriovErrorCode;
  constructor(code: SriovErrorCode, message: string, input: string, options?: { cause?: unknown }) {
    super(code, message, input, options);
  }
}
