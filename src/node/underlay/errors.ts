import { MvtepError } from '../../util/errors.ts';

export type UnderlayErrorCode =
  | 'underlay-ovsdb-no-root'
  | 'underlay-ovsdb-failed'
  | 'underlay-check-failed'
  | 'underlay-timeout'
  | 'underlay-datapath-failed'
  | 'underlay-step-failed'
  | 'underlay-rollback-failed'
  | 'underlay-injected-failure'
  | 'underlay-rules-not-imported';

export class UnderlayError extends MvtepError {
  declare readonly code: UnderlayErrorCode;
}
