import { MvtepError } from '../util/errors.ts';

export type AttachErrorCode =
  | 'attach-no-bridge'
  | 'attach-wrong-bridge'
  | 'attach-conflict'
  | 'attach-encap-not-listed'
  | 'attach-mapping-invalid'
  | 'attach-bad-input'
  | 'attach-not-found';

/** A refused attach/detach: nothing was written. */
export class AttachError extends MvtepError {
  declare readonly code: AttachErrorCode;
  constructor(code: AttachErrorCode, message: string, input: unknown) {
    super(code, message, input);
  }
}
