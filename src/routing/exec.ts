import { spawn } from 'node:child_process';
import { ExecError, type ExecOptions, type ExecResult } from '../util/exec.ts';

/**
 * run() from src/util/exec.ts with stdin on /dev/null. util's run() always
 * writes an (empty) stdin, and `ip` exits so fast that the write raises an
 * uncaught EPIPE that crashes the caller; the underlay runs hundreds of short
 * `ip` commands. Remove once util's run() handles it (reported to the lead).
 */
export function runQuiet(argv: readonly string[], options: Omit<ExecOptions, 'input'> = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new ExecError(argv, 'empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new ExecError(argv, `cannot run ${file}: ${e.message}`, undefined, e));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: ExecResult = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: code ?? 128 };
      if (result.code !== 0 && !options.allowFailure) {
        reject(new ExecError(argv, `${argv.join(' ')}: ${signal ? `killed by ${signal}` : `exit ${result.code}`}: ${result.stderr.trim()}`, result));
      } else resolve(result);
    });
  });
}
