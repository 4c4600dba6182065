import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario, startLab, type Lab, type StartLabOptions } from '../../../src/lab/index.ts';
import { requireRuntime, type OvnRuntime } from '../../../src/lab/runtime.ts';
import { leftovers } from './leftovers.ts';

/** A lab test's after(): the lab down, nothing of it left (no process, no netns), its work root removed. */
export async function downAndCheck(lab: Lab | undefined, root: string): Promise<void> {
  const id = lab?.id;
  await lab?.down();
  if (id) assert.deepEqual(await leftovers(root, id), { pids: [], netns: [] });
  await rm(root, { recursive: true, force: true });
}

/** A lab started from scenario text in a fresh temp work root (`prefix`), and its after(). */
export async function startTestLab(text: string, file: string, prefix: string, options: Omit<StartLabOptions, 'workRoot' | 'handleSignals'> = {})
  : Promise<{ lab: Lab; root: string; runtime: OvnRuntime; down: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  try {
    const runtime = options.runtime ?? await requireRuntime();
    const lab = await startLab(parseScenario(text, file), { ...options, runtime, workRoot: root, handleSignals: false });
    return { lab, root, runtime, down: () => downAndCheck(lab, root) };
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}
