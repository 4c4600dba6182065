import type { AgentStats } from './agent.ts';

/** Fixed-bucket latency histogram in Prometheus' cumulative form. */
export class Histogram {
  readonly bounds: readonly number[];
  private readonly counts: number[];
  private sum = 0;
  private n = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = bounds.map(() => 0);
  }

  observe(v: number): void {
    this.sum += v;
    this.n++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
  }

  get count(): number {
    return this.n;
  }

  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    this.bounds.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.n}`, `${name}_sum ${this.sum}`, `${name}_count ${this.n}`);
    return lines;
  }
}

export function counter(name: string, help: string, value: number, labels = ''): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}${labels} ${value}`];
}

export function gauge(name: string, help: string, samples: ReadonlyArray<readonly [labels: string, value: number]>): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(([l, v]) => `${name}${l} ${v}`)];
}

/** Label value escaping per the Prometheus text format. */
export function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The agent's /metrics page (Prometheus text format 0.0.4). */
export function renderAgentMetrics(s: AgentStats, healthy: boolean, bridge: string, latency: Histogram): string {
  const byKind = new Map<string, number>([['not-listed', 0], ['unusable', 0], ['sriov', 0]]);
  for (const p of s.problems) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
  const br = label(bridge);
  return [
    ...gauge('mvtep_agent_up', 'OVSDB connected, monitor live and first pass done', [['', healthy ? 1 : 0]]),
    ...gauge('mvtep_agent_managed_interfaces', 'VF/SF representor VIFs with an iface-id on the bridge', [[`{bridge="${br}"}`, s.managed]]),
    ...gauge('mvtep_agent_problems', 'VIFs left alone and reported, by reason', [...byKind].map(([k, v]) => [`{kind="${label(k)}"}`, v] as const)),
    ...gauge('mvtep_agent_config_errors', 'rejected entries in the node encap keys', [['', s.configErrors]]),
    ...gauge('mvtep_agent_config_warnings', 'warnings about the node encap keys', [['', s.configWarnings]]),
    ...counter('mvtep_agent_passes_total', 'reconcile passes', s.passes),
    ...counter('mvtep_agent_transactions_total', 'OVSDB write transactions', s.transactions),
    ...counter('mvtep_agent_encap_ip_sets_total', 'encap-ip keys set or corrected', s.sets),
    ...counter('mvtep_agent_encap_ip_removes_total', 'encap-ip keys removed (PF unmapped)', s.removes),
    ...counter('mvtep_agent_write_errors_total', 'failed write transactions (retried)', s.writeErrors),
    ...latency.render('mvtep_agent_reaction_ms', 'from the OVSDB change seen to the encap-ip write committed'),
    '',
  ].join('\n');
}
