import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/command.ts';

export type CapturedIo = CliIo & { out: () => string; err: () => string };

/** A CliIo whose stdout and stderr are collected, for running commands in-process. */
export function captureIo(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (b: Buffer) => (o += b.toString()));
  stderr.on('data', (b: Buffer) => (e += b.toString()));
  return { stdout, stderr, env, cwd, out: () => o, err: () => e };
}

/** Runs `mvtep ARGV` in-process and returns its exit code and output. */
export async function runCli(argv: string[], cwd = '/'): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import('../../src/cli/main.ts');
  const io = captureIo({}, cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}
