/**
 * One node agent (src/node/agent, in process) per lab chassis, the way the
 * DaemonSet runs one per node: each watches its chassis' Open_vSwitch
 * database and keeps every VF representor's encap-ip equal to its PF's VTEP.
 */
import type { Lab } from '../lab/index.ts';
import { startAgent, type AgentHandle, type AgentLog } from '../node/agent/index.ts';
import { errorMessage } from '../util/errors.ts';

export interface DemoAgents {
  readonly handles: ReadonlyMap<string, AgentHandle>;
  /** Stops one chassis' agent (the --break injections that the agent would repair). */
  stop(chassis: string): Promise<void>;
  stopAll(): Promise<void>;
}

/** Agent warnings and errors become demo progress lines; the rest stays quiet. */
function agentLog(chassis: string, log: (line: string) => void, stopping: () => boolean): AgentLog {
  return (level, msg, fields) => {
    // A stopping agent reports its own disconnect: expected, not news.
    if ((level !== 'warn' && level !== 'error') || stopping()) return;
    log(`  agent ${chassis} ${level}: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  };
}

export async function startDemoAgents(lab: Lab, log: (line: string) => void): Promise<DemoAgents> {
  const handles = new Map<string, AgentHandle>();
  const stopped = new Set<string>();
  const stopAll = async () => {
    for (const c of handles.keys()) stopped.add(c);
    const all = [...handles.entries()];
    handles.clear();
    await Promise.all(all.map(([c, h]) => h.stop().catch((err) => log(`  agent ${c}: stop failed: ${errorMessage(err)}`))));
  };
  try {
    await Promise.all(Object.values(lab.chassis).map(async (c) => {
      const h = await startAgent({ ovsdb: c.ovsdbRemote, sysfsRoot: c.sysfsRoot, chassis: c.name, log: agentLog(c.name, log, () => stopped.has(c.name)) });
      handles.set(c.name, h);
      await h.ready;
    }));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    handles,
    async stop(chassis) {
      const h = handles.get(chassis);
      stopped.add(chassis);
      handles.delete(chassis);
      await h?.stop();
    },
    stopAll,
  };
}
