// A narrowly scoped recovery from an ovs-vswitchd (OVS 3.5) bug the property
// test trips over; see docs/model.md "OVS: tunnel port stuck with File exists".
//
// ovn-controller names tunnel ports ovn-<chassis>-<n> and reuses a name once
// its port is gone. When ovs-vswitchd applies two ovn-controller transactions
// in one reconfiguration (likely under CPU load), it can see port X keep its
// name with new options (the old X deleted, a new X created for another
// tunnel) plus a new port Y with X's old options. The bridge adds Y before
// ofproto-dpif re-keys X's tunnel (that happens later, on the netdev change),
// so Y fails with "could not add network device Y to ofproto (File exists)"
// and no ofport. vswitchd retries only on its next reconfiguration, and
// nothing triggers one once OVN has settled: the tunnel stays down for good.
//
// The recovery asks vswitchd to reconfigure (Open_vSwitch.next_cfg += 1, what
// every ovs-vsctl change does), which retries the failed add. It changes no
// configuration. It applies only when the database itself holds no other
// tunnel with Y's configuration: a real duplicate is a bug to report, not to
// recover from.
import type { NodeState } from '../../../src/verify/index.ts';
import type { OvsdbClient } from '../../../src/ovsdb/index.ts';

const FILE_EXISTS = /^could not add network device (\S+) to ofproto \(File exists\)$/;

export interface StuckTunnel {
  readonly port: string;
  readonly chassisId: string;
  readonly error: string;
}

/** How OVS keys a tunnel (ofproto-dpif's tunnel match): two ports must not share it. */
function tunnelKey(type: string, options: Readonly<Record<string, string>>): string {
  return [type, options['local_ip'] ?? '', options['remote_ip'] ?? '', options['key'] ?? '', options['dst_port'] ?? ''].join('|');
}

/**
 * Tunnels without ofport whose error is exactly vswitchd's "File exists" for
 * that port while no other interface in the database has the same tunnel
 * configuration (so the conflict vswitchd saw is stale).
 */
export function staleFileExistsTunnels(node: NodeState): StuckTunnel[] {
  const out: StuckTunnel[] = [];
  for (const t of node.tunnels) {
    if (t.ofport !== null) continue;
    const iface = node.interfaces.find((i) => i.name === t.port);
    const m = iface?.error === undefined ? null : FILE_EXISTS.exec(iface.error);
    if (!iface || !m || m[1] !== t.port) continue;
    const key = tunnelKey(iface.type, iface.options);
    const twin = node.interfaces.some((i) => i.name !== iface.name && tunnelKey(i.type, i.options) === key);
    if (!twin) out.push({ port: t.port, chassisId: t.chassisId, error: iface.error! });
  }
  return out;
}

export interface TunnelRecovery {
  readonly chassis: string;
  readonly tunnel: StuckTunnel;
  /** How long the tunnel had been stuck when the recovery was made. */
  readonly stuckMs: number;
}

/**
 * Tracks stuck tunnels across polls; once one has been stuck for `graceMs`,
 * nudges that chassis' vswitchd (at most `maxPerPort` times per port, after
 * which the caller's deadline reports the tunnel as down).
 */
export class TunnelRecoverer {
  private readonly since = new Map<string, number>();
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly clients: ReadonlyMap<string, OvsdbClient>,
    private readonly onRecovery: (r: TunnelRecovery) => void,
    private readonly graceMs = 3_000,
    private readonly maxPerPort = 3,
  ) {}

  async poll(nodes: ReadonlyMap<string, NodeState>, now = Date.now()): Promise<void> {
    const seen = new Set<string>();
    for (const [chassis, node] of nodes) {
      const due: TunnelRecovery[] = [];
      for (const tunnel of staleFileExistsTunnels(node)) {
        const id = `${chassis}/${tunnel.port}/${tunnel.chassisId}`;
        seen.add(id);
        const first = this.since.get(id) ?? now;
        this.since.set(id, first);
        const tries = this.attempts.get(id) ?? 0;
        if (now - first < this.graceMs || tries >= this.maxPerPort) continue;
        this.attempts.set(id, tries + 1);
        this.since.set(id, now);
        due.push({ chassis, tunnel, stuckMs: now - first });
      }
      if (due.length === 0) continue;
      const tx = this.clients.get(chassis)!.transaction('Open_vSwitch');
      tx.mutate('Open_vSwitch', [], [['next_cfg', '+=', 1]]);
      tx.comment(`mvtep property test: reconfigure to retry ${due.map((d) => d.tunnel.port).join(',')} (stale File exists)`);
      await tx.commit();
      for (const d of due) this.onRecovery(d);
    }
    for (const id of this.since.keys()) if (!seen.has(id)) this.since.delete(id);
  }
}
