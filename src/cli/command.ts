import type { Writable } from 'node:stream';

/** What a command may touch: injected so tests run commands in-process. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export interface Command {
  /** Space-separated path, e.g. "lab up" or "verify". */
  readonly name: string;
  readonly summary: string;
  /** Full help text printed for `mvtep <name> --help`. */
  readonly usage: string;
  /** Returns the process exit code. Throw UsageError for bad usage (exit 2). */
  run(argv: string[], io: CliIo): Promise<number>;
}
