import { MvtepError } from '../util/errors.ts';

/** Stable reasons a config value is rejected (the `code` of a ConfigError). */
export type ConfigErrorCode =
  | 'config-invalid-ip'
  | 'config-missing-separator'
  | 'config-invalid-pf'
  | 'config-conflicting-pf'
  | 'config-multiple-values';

/** What a ConfigError points at: enough to show the user the exact token. */
export interface ConfigErrorInput {
  /** The external_ids key, e.g. `ovn-pf-encap-ip-mapping`. */
  readonly key: string;
  /** The offending comma-separated entry, exactly as written (untrimmed). */
  readonly entry: string;
  /** 1-based position of the entry in the comma-separated value (empty entries count). */
  readonly position: number;
  readonly reason: string;
}

/**
 * A value we refuse to act on. The message names key, entry, position and
 * reason so one line in a log is enough to find and fix the typo.
 */
export class ConfigError extends MvtepError {
  declare readonly code: ConfigErrorCode;
  declare readonly input: ConfigErrorInput;
  readonly key: string;
  readonly entry: string;
  readonly position: number;
  readonly reason: string;

  constructor(code: ConfigErrorCode, input: ConfigErrorInput) {
    super(code, `${input.key}: entry ${input.position} ${JSON.stringify(input.entry)}: ${input.reason}`, input);
    this.key = input.key;
    this.entry = input.entry;
    this.position = input.position;
    this.reason = input.reason;
  }
}

/** Places where OVN or ovnkube-node would read a value differently from mvtep. */
export type ConfigWarningCode =
  | 'whitespace'
  | 'empty-entry'
  | 'duplicate-ip'
  | 'duplicate-pf'
  | 'ipv6-ovnkube'
  | 'mapped-ip-not-encap'
  | 'default-not-listed'
  | 'ip-spelling'
  | 'single-encap-ip'
  | 'chassis-override'
  | 'ovnkube-rejects-mapping';

export interface ConfigWarning {
  readonly code: ConfigWarningCode;
  readonly key: string;
  readonly entry?: string;
  readonly position?: number;
  readonly message: string;
}

/** Strict parse: the value plus warnings; the first error is thrown. */
export interface Parsed<T> {
  readonly value: T;
  readonly warnings: readonly ConfigWarning[];
}

/**
 * Lenient check: every error and warning collected. `value` keeps the valid
 * entries, so one bad entry never disables the good ones (ovnkube-node's
 * weakness: one malformed entry fails every SR-IOV pod on the node).
 */
export interface Checked<T> {
  readonly value: T;
  readonly errors: readonly ConfigError[];
  readonly warnings: readonly ConfigWarning[];
}

export function strict<T>(checked: Checked<T>): Parsed<T> {
  const first = checked.errors[0];
  if (first) throw first;
  return { value: checked.value, warnings: checked.warnings };
}
