// The seed's interconnect lab (examples/seed-ic.yaml) for a test file: started
// in its own temp root, torn down with a check that nothing was left behind.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireRuntime, type OvnRuntime } from '../../../src/lab/runtime.ts';
import { loadScenario, startLab, type Lab } from '../../../src/lab/index.ts';
import { loadZonesFile, type ZonesFile } from '../../../src/config/index.ts';
import { leftovers } from '../../lab/helpers/leftovers.ts';

const SEED_IC = new URL('../../../examples/seed-ic.yaml', import.meta.url).pathname;

export interface IcLab {
  readonly lab: Lab;
  readonly zones: ZonesFile;
  readonly runtime: OvnRuntime;
  close(): Promise<void>;
}

export async function startIcLab(prefix: string): Promise<IcLab> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const runtime = await requireRuntime();
  let lab: Lab | undefined;
  try {
    lab = await startLab(await loadScenario(SEED_IC), { runtime, workRoot: root, handleSignals: false });
    const zones = await loadZonesFile((await lab.status()).zonesFile!);
    const l = lab;
    return {
      lab: l, zones, runtime,
      async close() {
        await l.down();
        assert.deepEqual(await leftovers(root, l.id), { pids: [], netns: [] });
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await lab?.down().catch(() => {});
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}
