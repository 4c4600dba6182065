import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { captureIo } from '../../helpers/cliIo.ts';
import { reap } from './leftovers.ts';

export const repo = new URL('../../../', import.meta.url).pathname;

/** Runs `mvtep ARGV` in-process from the repo root (real daemons, real netns). */
export async function cli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(env, repo);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const roots: string[] = [];

// Registered when the test file imports this module (file level): an after()
// first called inside a running test hooks that test only, so roots made by
// later tests were never removed.
after(async () => {
  // Never leave a lab behind, even when an assertion failed half-way.
  for (const r of roots) {
    await cli(['lab', 'down', '--dir', r, '--all']).catch(() => undefined);
    await reap(r);
    await rm(r, { recursive: true, force: true });
  }
});

/** A temp lab root that is emptied after the file's tests: labs downed, stray processes reaped, dir removed. */
export async function labRoot(prefix = 'mvtep-labcli-'): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  roots.push(root);
  return root;
}
