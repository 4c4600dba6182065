import { spawn } from 'node:child_process';
import { ExecError, type ExecOptions, type ExecResult } from '../util/exec.ts';

/**
 * The lab's own `run`: argv only, like src/util/exec.ts, but stdin is
 * /dev/null unless input is given. util's run() always writes to the child's
 * stdin, which raises an unhandled EPIPE when a short-lived program (ip,
 * ovs-vsctl) has already exited; the lab runs hundreds of those.
 */
export function run(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new ExecError(argv, 'empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    if (child.stdin) {
      child.stdin.on('error', () => {
        // The program exited without reading its input; its exit status tells what happened.
      });
      child.stdin.end(options.input);
    }
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
  });
}
