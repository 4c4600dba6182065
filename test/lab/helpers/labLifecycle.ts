import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { Lab } from '../../../src/lab/index.ts';
import { leftovers } from './leftovers.ts';

/** A lab test's after(): the lab down, nothing of it left (no process, no netns), its work root removed. */
export async function downAndCheck(lab: Lab | undefined, root: string): Promise<void> {
  const id = lab?.id;
  await lab?.down();
  if (id) assert.deepEqual(await leftovers(root, id), { pids: [], netns: [] });
  await rm(root, { recursive: true, force: true });
}
