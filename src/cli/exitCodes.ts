import { MvtepError, errorMessage } from '../util/errors.ts';

/**
 * Error classes are known here by name, not imported: importing them
 * loaded nearly every layer (about 170 modules) on the error path of any
 * command, so a failing CNI call (`attach --agent` overloaded in a burst)
 * started several times slower than a successful one.
 * test/cli/exitCodes.test.ts checks each name against its real class.
 */
export const ERROR_CLASSES = {
  unreachable: ['OvsdbTimeoutError', 'OvsdbConnectionError', 'DeadlineError'],
  usage: ['UsageError', 'ConfigError', 'NodeSpecError', 'ZonesFileError', 'ScenarioError', 'SnapshotError', 'ListenError', 'DashboardError', 'WriteFilesError', 'OvsdbRemoteError'],
  special: ['UnixctlError', 'AgentSocketError', 'TraceError', 'ProbeError'],
} as const;

type ErrorClassName = (typeof ERROR_CLASSES)[keyof typeof ERROR_CLASSES][number];

/** `err instanceof <the class called name>`, by the names along its prototype chain. */
function isA(err: unknown, ...names: readonly ErrorClassName[]): err is MvtepError {
  if (!(err instanceof MvtepError)) return false;
  for (let p: unknown = Object.getPrototypeOf(err); p !== null && p !== undefined; p = Object.getPrototypeOf(p)) {
    const name = (p as { constructor?: { name?: string } }).constructor?.name;
    if (name !== undefined && (names as readonly string[]).includes(name)) return true;
  }
  return false;
}

/**
 * The one exit-code contract of every command (docs/cli.md). Commands
 * return OK or FINDINGS themselves; thrown errors are mapped here, so the
 * same mistake exits the same way in every command.
 */
export const EXIT = {
  /** Done, nothing found. */
  OK: 0,
  /** Findings, drift, a refused or failed change. */
  FINDINGS: 1,
  /** Bad usage or an input (file, value, source) that cannot be read. */
  USAGE: 2,
  /** A server that cannot be reached or did not answer in time. */
  UNREACHABLE: 3,
} as const;

/** Node's own file errors that mean "the input given cannot be read". */
const UNREADABLE_FS = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

function nodeErrorCode(err: unknown): string | undefined {
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The agent's attach socket did not take or answer the request (nothing was decided about the port). */
const AGENT_UNREACHABLE = new Set(['agent-unreachable', 'agent-timeout', 'agent-closed', 'agent-overloaded']);

function unreachable(err: unknown): boolean {
  return isA(err, ...ERROR_CLASSES.unreachable)
    || (isA(err, 'UnixctlError') && err.code === 'unixctl-timeout')
    || (isA(err, 'AgentSocketError') && AGENT_UNREACHABLE.has(err.code));
}

/** The exit code a thrown error means. */
export function exitCodeFor(err: unknown): number {
  if (isA(err, 'OvsdbRemoteError')) return EXIT.USAGE;
  // A wrapped cause counts ("reading bridges: get_schema got no reply"): the server was the problem.
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (unreachable(e)) return EXIT.UNREACHABLE;
  }
  if (isA(err, ...ERROR_CLASSES.usage) || (isA(err, 'AgentSocketError') && err.code === 'agent-socket-in-use')) {
    return EXIT.USAGE;
  }
  // A trace that --confirm contradicts is a finding; any other trace error is about its input (unknown port, ...).
  if (isA(err, 'TraceError')) return err.code === 'trace-confirm-failed' ? EXIT.FINDINGS : EXIT.USAGE;
  // Not root, no netdev lab, a bad pod pair: the probe cannot be run as asked (a send that failed is a finding).
  if (isA(err, 'ProbeError')) return err.code === 'probe-send-failed' ? EXIT.FINDINGS : EXIT.USAGE;
  // snapshot-unreadable, sriov-sysfs-unreadable, ...: a source that was asked for and cannot be read.
  if (err instanceof MvtepError && err.code.endsWith('-unreadable')) return EXIT.USAGE;
  const sys = nodeErrorCode(err);
  if (sys !== undefined && (UNREADABLE_FS.has(sys) || sys === 'EADDRINUSE' || sys === 'EADDRNOTAVAIL')) return EXIT.USAGE;
  return EXIT.FINDINGS;
}

/** The `--json` form of an error: one object, the same keys for every command. */
export function errorJson(err: unknown): { code: string; message: string; input: unknown } {
  if (err instanceof MvtepError) return { code: err.code, message: err.message, input: err.input ?? null };
  const sys = nodeErrorCode(err);
  const path = err instanceof Error ? (err as NodeJS.ErrnoException).path : undefined;
  return { code: sys ?? 'unexpected', message: errorMessage(err), input: path ?? null };
}
