import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, errorMessage } from '../util/errors.ts';
import { withDeadline } from '../util/deadline.ts';
import { OVN_RELEASES, isOvnRelease, type OvnRelease } from '../lab/releases.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with strict checking, turning its errors into
 * UsageError so the CLI exits 2 with a message naming the bad option.
 */
export function parseCommandArgs<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(errorMessage(err), argv);
  }
}

export function requireOption(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/**
 * `--timeout SECONDS` (or any seconds option) as milliseconds; undefined
 * when not given. One rule for every command: a positive decimal number.
 */
export function parseSeconds(text: string | undefined, name = 'timeout'): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0)) throw new UsageError(`--${name}: '${text}' is not a positive number of seconds`, text);
  return Math.round(seconds * 1000);
}

/** `--release R`: an OVN release name, as a usage error (exit 2) when unknown. */
export function releaseOption(value: string | undefined): OvnRelease | undefined {
  if (value === undefined) return undefined;
  if (isOvnRelease(value)) return value;
  throw new UsageError(`--release: unknown OVN release '${value}' (known: ${OVN_RELEASES.join(', ')})`, value);
}

/** Default of every command's --timeout: one number, stated in each help. */
export const DEFAULT_TIMEOUT_S = 30;

/** The help line of --timeout, the same in every command that talks to a server. */
export const TIMEOUT_HELP = `  --timeout SECONDS  give up after this long, the whole command included (default ${DEFAULT_TIMEOUT_S});
                     exit 3 naming the server and the request that got no answer`;

/** --timeout as milliseconds, the default when not given. */
export function commandTimeout(text: string | undefined): number {
  return parseSeconds(text) ?? DEFAULT_TIMEOUT_S * 1000;
}

/**
 * The whole-command bound of --timeout. The library calls inside get the
 * same budget and normally fail first with the remote and request named;
 * this backstop fires a little later and only guarantees the bound.
 */
export function bounded<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return withDeadline(work, timeoutMs + 500, what);
}
