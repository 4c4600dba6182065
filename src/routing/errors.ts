import { MvtepError } from '../util/errors.ts';

export type RoutingErrorCode =
  | 'routing-command-failed'
  | 'routing-bad-output'
  | 'routing-not-ours'
  | 'routing-invalid-argument';

/** A failed or refused iproute2/sysctl operation; `input` is the argv or the offending value. */
export class RoutingError extends MvtepError {
  declare readonly code: RoutingErrorCode;
  /** iproute2's stderr, when a command failed. */
  readonly stderr: string | undefined;

  constructor(code: RoutingErrorCode, message: string, input: unknown, stderr?: string, cause?: unknown) {
    super(code, message, input, { cause });
    this.stderr = stderr;
  }
}
