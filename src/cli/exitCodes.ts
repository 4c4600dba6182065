import { MvtepError, UsageError, errorMessage } from '../util/errors.ts';
import { DeadlineError } from '../util/deadline.ts';
import { WriteFilesError } from '../util/atomicFiles.ts';
import { OvsdbConnectionError, OvsdbRemoteError, OvsdbTimeoutError } from '../ovsdb/index.ts';
import { ConfigError, ZonesFileError } from '../config/index.ts';
import { NodeSpecError } from '../config/nodeSpecErrors.ts';
import { SnapshotError } from '../observe/snapshot.ts';
import { ScenarioError } from '../lab/scenarioReader.ts';
import { ListenError } from '../node/agent/http.ts';
import { DashboardError } from '../web/listen.ts';
import { UnixctlError } from '../trace/unixctl.ts';
import { TraceError } from '../trace/explain.ts';
import { ProbeError } from '../probe/probe.ts';
import { AgentSocketError } from '../node/attachWire.ts';

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
  return err instanceof OvsdbTimeoutError || err instanceof OvsdbConnectionError || err instanceof DeadlineError
    || (err instanceof UnixctlError && err.code === 'unixctl-timeout')
    || (err instanceof AgentSocketError && AGENT_UNREACHABLE.has(err.code));
}

/** The exit code a thrown error means. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof OvsdbRemoteError) return EXIT.USAGE;
  // A wrapped cause counts ("reading bridges: get_schema got no reply"): the server was the problem.
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (unreachable(e)) return EXIT.UNREACHABLE;
  }
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof NodeSpecError || err instanceof ZonesFileError
    || err instanceof ScenarioError || err instanceof SnapshotError || err instanceof ListenError || err instanceof DashboardError
    || err instanceof WriteFilesError || (err instanceof AgentSocketError && err.code === 'agent-socket-in-use')) {
    return EXIT.USAGE;
  }
  // A trace that --confirm contradicts is a finding; any other trace error is about its input (unknown port, ...).
  if (err instanceof TraceError) return err.code === 'trace-confirm-failed' ? EXIT.FINDINGS : EXIT.USAGE;
  // Not root, no netdev lab, a bad pod pair: the probe cannot be run as asked (a send that failed is a finding).
  if (err instanceof ProbeError) return err.code === 'probe-send-failed' ? EXIT.FINDINGS : EXIT.USAGE;
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
