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
