import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import { MvtepError } from './errors.ts';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface ExecOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly input?: string;
  readonly timeoutMs?: number;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  readonly allowFailure?: boolean;
}

export class ExecError extends MvtepError {
  readonly argv: readonly string[];
  readonly result: ExecResult | undefined;

  constructor(argv: readonly string[], message: string, result?: ExecResult, cause?: unknown) {
    super('exec-failed', message, argv, { cause });
    this.argv = argv;
    this.result = result;
  }
}

/** Runs a program with an argv array (never a shell) and collects its output. */
export function run(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new ExecError(argv, 'empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      // A pipe only when there is input: writing to a child that exits at once raises EPIPE.
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    }
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new ExecError(argv, `cannot run ${file}: ${e.message}`, undefined, e));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: ExecResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? 128,
      };
      if (result.code !== 0 && !options.allowFailure) {
        const why = signal ? `killed by ${signal}` : `exit ${result.code}`;
        reject(new ExecError(argv, `${argv.join(' ')}: ${why}: ${result.stderr.trim()}`, result));
      } else {
        resolve(result);
      }
    });
    if (child.stdin) {
      // The child may exit before reading its input; its exit status is what counts.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

export interface PassthroughOptions {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Give the child this process's stdin (an interactive command); default: no stdin. */
  readonly inheritStdin?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** A stream backed by a file descriptor (process.stdout, a file) the child can write to directly. */
function fdOf(stream: Writable): number | undefined {
  const fd: unknown = (stream as { fd?: unknown }).fd;
  return typeof fd === 'number' ? fd : undefined;
}

/**
 * Runs a program with an argv array (never a shell), its output streamed to
 * `stdout`/`stderr` as it comes (a capture running for minutes shows up at
 * once), and resolves with its exit status: the code, or 128 + N when killed
 * by signal N (the shell's convention). SIGINT/SIGTERM/SIGHUP sent to this
 * process while the child runs are passed on to it, so it is never orphaned.
 */
export function runPassthrough(argv: readonly string[], options: PassthroughOptions): Promise<number> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new ExecError(argv, 'empty argv'));
  return new Promise((resolve, reject) => {
    // A real fd goes to the child as is: tools see a terminal and keep their line buffering.
    const outFd = fdOf(options.stdout);
    const errFd = fdOf(options.stderr);
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      stdio: [options.inheritStdin ? 'inherit' : 'ignore', outFd ?? 'pipe', errFd ?? 'pipe'],
    });
    child.stdout?.pipe(options.stdout, { end: false });
    child.stderr?.pipe(options.stderr, { end: false });
    const forward = (signal: NodeJS.Signals) => { child.kill(signal); };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, forward);
    const done = () => { for (const s of signals) process.off(s, forward); };
    child.on('error', (e) => {
      done();
      reject(new ExecError(argv, `cannot run ${file}: ${e.message}`, undefined, e));
    });
    child.on('close', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? osConstants.signals[signal] : 0));
    });
  });
}
