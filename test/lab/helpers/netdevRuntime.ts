import type { TestContext } from 'node:test';
import { NETDEV_MIN_OVS, runsNetdev } from '../../../src/lab/podNetns.ts';
import { requireRuntime, type OvnRuntime } from '../../../src/lab/runtime.ts';

/** The runtime when its OVS runs the netdev lab (the lab's own rule); else `t` is skipped with the reason. */
export async function netdevRuntime(t: TestContext): Promise<OvnRuntime | undefined> {
  const runtime = await requireRuntime();
  if (runsNetdev(runtime)) return runtime;
  t.skip(`release ${runtime.release} (OVS ${runtime.manifest.ovsVersion}): datapath: netdev needs OVS >= ${NETDEV_MIN_OVS.join('.')}, i.e. 26.03`);
  return undefined;
}
