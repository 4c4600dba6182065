import { run, type ExecOptions, type ExecResult } from '../util/exec.ts';

/** The routing backend's process runner: util's run() with no stdin. */
export function runQuiet(argv: readonly string[], options: Omit<ExecOptions, 'input'> = {}): Promise<ExecResult> {
  return run(argv, options);
}
